package methodrouter

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seen captures the request the next handler got.
type seen struct {
	r    *http.Request
	body string
	err  error
}

func (s *seen) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.r = r
		b, err := io.ReadAll(r.Body)
		s.body, s.err = string(b), err
	})
}

func formRequest(method, body string) *http.Request {
	r := httptest.NewRequest(method, "/articles/1", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestMethodOverrideHeader(t *testing.T) {
	cases := []struct{ value, want string }{
		{"PUT", "PUT"},
		{"PATCH", "PATCH"},
		{"DELETE", "DELETE"},
		{"delete", "DELETE"}, // matched without case, sent canonical
		{"Patch", "PATCH"},
		// Never a safe method, never CONNECT, never anything else.
		{"GET", "POST"},
		{"HEAD", "POST"},
		{"OPTIONS", "POST"},
		{"CONNECT", "POST"},
		{"TRACE", "POST"},
		{"PURGE", "POST"},
		{"", "POST"},
		{" DELETE", "POST"},
	}
	for _, c := range cases {
		var s seen
		r := httptest.NewRequest("POST", "/", nil)
		r.Header[http.CanonicalHeaderKey(OverrideHeader)] = []string{c.value}
		MethodOverride(s.handler()).ServeHTTP(httptest.NewRecorder(), r)
		assert.Equal(t, c.want, s.r.Method, "%q", c.value)
		assert.Equal(t, "POST", r.Method, "the caller's request is never changed")
	}
}

func TestMethodOverrideOnlyRewritesPost(t *testing.T) {
	for _, m := range []string{"GET", "PUT", "PATCH", "HEAD", "post"} {
		var s seen
		r := formRequest(m, "_method=DELETE")
		r.Header.Set(OverrideHeader, "DELETE")
		MethodOverride(s.handler()).ServeHTTP(httptest.NewRecorder(), r)
		assert.Equal(t, m, s.r.Method)
		assert.Same(t, r, s.r, "%s passes through untouched", m)
		assert.Equal(t, "_method=DELETE", s.body)
	}
}

func TestMethodOverrideFormField(t *testing.T) {
	var s seen
	r := formRequest("POST", "title=Hi&_method=delete")
	MethodOverride(s.handler()).ServeHTTP(httptest.NewRecorder(), r)
	assert.Equal(t, "DELETE", s.r.Method)
	assert.Equal(t, "POST", r.Method)
	assert.NotSame(t, r, s.r)
	assert.Equal(t, "title=Hi&_method=delete", s.body, "the body replays for the handler")
	assert.Nil(t, r.Form, "the caller's request is not parsed")
	assert.Nil(t, r.PostForm)
}

func TestMethodOverrideHandlerCanParseForm(t *testing.T) {
	var title string
	h := MethodOverride(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		title = r.PostFormValue("title")
	}))
	h.ServeHTTP(httptest.NewRecorder(), formRequest("POST", "title=Hello+world&_method=PUT"))
	assert.Equal(t, "Hello world", title)
}

func TestMethodOverrideFormFieldEncodings(t *testing.T) {
	cases := []struct{ body, want string }{
		{"_method=PATCH", "PATCH"},
		{"%5Fmethod=PATCH", "PATCH"},          // escaped key
		{"_method=%50UT", "PUT"},              // escaped value
		{"_method=PUT&_method=DELETE", "PUT"}, // first wins, as url.Values.Get
		{"a=1;b=2&_method=PUT", "PUT"},        // a bad pair is skipped, not fatal
		{"_method=PUT;x=1", "POST"},           // ';' pairs are skipped, as ParseQuery
		{"_method=%zzPUT", "POST"},            // bad escape
		{"_method=GET", "POST"},               // never safe
		{"method=DELETE", "POST"},             // not the field
		{"x=_method%3DDELETE", "POST"},        // a value, not a field
		{"", "POST"},
	}
	for _, c := range cases {
		var s seen
		MethodOverride(s.handler()).ServeHTTP(httptest.NewRecorder(), formRequest("POST", c.body))
		assert.Equal(t, c.want, s.r.Method, "%q", c.body)
		assert.Equal(t, c.body, s.body, "%q replays", c.body)
	}
}

func TestMethodOverrideHeaderWinsOverForm(t *testing.T) {
	var s seen
	r := formRequest("POST", "_method=DELETE")
	r.Header.Set(OverrideHeader, "PATCH")
	MethodOverride(s.handler()).ServeHTTP(httptest.NewRecorder(), r)
	assert.Equal(t, "PATCH", s.r.Method)

	// A header that asks for something not allowed is not backed up by
	// the form, and the body is not read.
	s = seen{}
	r = formRequest("POST", "_method=DELETE")
	r.Header.Set(OverrideHeader, "GET")
	MethodOverride(s.handler()).ServeHTTP(httptest.NewRecorder(), r)
	assert.Equal(t, "POST", s.r.Method)
	assert.Same(t, r, s.r)
}

func TestMethodOverrideOnlyFormBodies(t *testing.T) {
	cases := []struct {
		ct   string
		want string
	}{
		{"application/x-www-form-urlencoded", "DELETE"},
		{"Application/X-WWW-Form-URLEncoded; charset=utf-8", "DELETE"},
		{"text/plain", "POST"},
		{"application/json", "POST"},
		{"", "POST"},
	}
	for _, c := range cases {
		var s seen
		r := httptest.NewRequest("POST", "/", strings.NewReader("_method=DELETE"))
		if c.ct != "" {
			r.Header.Set("Content-Type", c.ct)
		}
		MethodOverride(s.handler()).ServeHTTP(httptest.NewRecorder(), r)
		assert.Equal(t, c.want, s.r.Method, "%q", c.ct)
		assert.Equal(t, "_method=DELETE", s.body)
	}
}

func TestMethodOverrideIgnoresQueryString(t *testing.T) {
	var s seen
	r := httptest.NewRequest("POST", "/?_method=DELETE", strings.NewReader("a=1"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	MethodOverride(s.handler()).ServeHTTP(httptest.NewRecorder(), r)
	assert.Equal(t, "POST", s.r.Method)
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestMethodOverrideReadsAtMostTheFormLimit(t *testing.T) {
	// A body past ParseForm's limit is not searched, not read beyond the
	// limit, and reaches the handler whole.
	total := int64(maxFormBytes + 1000)
	src := &countingReader{r: io.MultiReader(strings.NewReader("_method=DELETE&x="), io.LimitReader(zeros{}, total-17))}
	r := httptest.NewRequest("POST", "/", src)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	var readBeforeHandler, got int64
	var method string
	h := MethodOverride(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		readBeforeHandler = src.n
		method = r.Method
		got, _ = io.Copy(io.Discard, r.Body)
	}))
	h.ServeHTTP(httptest.NewRecorder(), r)
	assert.LessOrEqual(t, readBeforeHandler, int64(maxFormBytes))
	assert.Equal(t, "POST", method)
	assert.Equal(t, total, got, "the handler reads the whole body")
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestMethodOverrideKeepsReadErrors(t *testing.T) {
	// A MaxBytesReader set above us: the handler still gets its error.
	var err error
	var method string
	h := MethodOverride(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method = r.Method
		err = r.ParseForm()
	}))
	h = maxBytes(h, 8)
	h.ServeHTTP(httptest.NewRecorder(), formRequest("POST", "_method=DELETE&long=value"))
	assert.Equal(t, "POST", method)
	var tooBig *http.MaxBytesError
	assert.True(t, errors.As(err, &tooBig), "%v", err)
}

func maxBytes(next http.Handler, n int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, n)
		next.ServeHTTP(w, r)
	})
}

func TestMethodOverrideClosesOriginalBody(t *testing.T) {
	body := &closeSpy{Reader: strings.NewReader("_method=PUT")}
	r := httptest.NewRequest("POST", "/", body)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	MethodOverride(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body.Close()
	})).ServeHTTP(httptest.NewRecorder(), r)
	assert.True(t, body.closed)
}

type closeSpy struct {
	io.Reader
	closed bool
}

func (c *closeSpy) Close() error { c.closed = true; return nil }

func TestMethodOverrideWithRouterOverRealServer(t *testing.T) {
	var tr trace
	rt := New().Post(tr.handler("create")).Delete(tr.handler("delete")).Put(tr.handler("put"))
	srv := newServer(t, MethodOverride(rt))

	resp, err := http.PostForm(srv.URL, url.Values{"_method": {"DELETE"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "delete", tr.String())

	tr.reset()
	req, err := http.NewRequest("POST", srv.URL, nil)
	require.NoError(t, err)
	req.Header.Set(OverrideHeader, "PUT")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "put", tr.String())

	tr.reset()
	resp, err = http.PostForm(srv.URL, url.Values{"_method": {"GET"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "create", tr.String(), "a form can't make a safe request")
}

func TestMethodOverrideNilPanics(t *testing.T) {
	assert.PanicsWithValue(t, "methodrouter: MethodOverride(nil)", func() { MethodOverride(nil) })
}

func TestMethodOverrideNoAllocForOtherRequests(t *testing.T) {
	h := MethodOverride(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	get := httptest.NewRequest("GET", "/", nil)
	post := httptest.NewRequest("POST", "/", nil)
	post.Header.Set("Content-Type", "application/json")
	w := newDiscardWriter()
	assert.Equal(t, 0.0, testing.AllocsPerRun(100, func() { h.ServeHTTP(w, get) }))
	assert.Equal(t, 0.0, testing.AllocsPerRun(100, func() { h.ServeHTTP(w, post) }))
}

// formEcho answers with the method and the form fields it can read.
func formEcho(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "%s note=%q post=%q", r.Method, r.FormValue("note"), r.PostFormValue("note"))
	if f, fh, err := r.FormFile("upload"); err == nil {
		b, _ := io.ReadAll(f)
		f.Close()
		fmt.Fprintf(w, " file=%s:%q", fh.Filename, b)
	}
}

// untouched checks, after the request, that MethodOverride left the
// caller's request as it was.
func untouched(t *testing.T, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		assert.Equal(t, "POST", r.Method, "the caller's method")
		assert.Nil(t, r.Form, "the caller's Form")
		assert.Nil(t, r.PostForm, "the caller's PostForm")
		assert.Nil(t, r.MultipartForm, "the caller's MultipartForm")
	})
}

// multipartBody is a browser's multipart form: fields, then a file.
func multipartBody(t *testing.T, fields map[string]string, file string) (string, *bytes.Buffer) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, k := range []string{"_method", "note"} {
		if v, ok := fields[k]; ok {
			require.NoError(t, mw.WriteField(k, v))
		}
	}
	if file != "" {
		fw, err := mw.CreateFormFile("upload", "a.txt")
		require.NoError(t, err)
		io.WriteString(fw, file)
	}
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), &buf
}

func post(t *testing.T, url, contentType string, body io.Reader, header ...string) string {
	t.Helper()
	req, err := http.NewRequest("POST", url, body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	if len(header) == 2 {
		req.Header.Set(header[0], header[1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func TestMethodOverrideGivesTheFormToDelete(t *testing.T) {
	// The browser's form POST reaches DELETE (and PUT, PATCH) with its
	// fields readable, though net/http's ParseForm reads no DELETE body.
	rt := New().Post(formEcho).Put(formEcho).Patch(formEcho).Delete(formEcho)
	srv := newServer(t, untouched(t, MethodOverride(rt)))
	const urlencoded = "application/x-www-form-urlencoded"

	for _, m := range []string{"DELETE", "PUT", "PATCH", "delete"} {
		want := strings.ToUpper(m) + ` note="hi there" post="hi there"`
		got := post(t, srv.URL+"/?note=query", urlencoded, strings.NewReader("note=hi+there&_method="+m))
		assert.Equal(t, want, got, "urlencoded %s", m)

		ct, body := multipartBody(t, map[string]string{"_method": m, "note": "hi there"}, "file bytes")
		got = post(t, srv.URL, ct, body)
		assert.Equal(t, want+` file=a.txt:"file bytes"`, got, "multipart %s", m)
	}

	// The header asks, the form body is still parsed for the handler.
	got := post(t, srv.URL, urlencoded, strings.NewReader("note=hi"), OverrideHeader, "DELETE")
	assert.Equal(t, `DELETE note="hi" post="hi"`, got)
	ct, body := multipartBody(t, map[string]string{"note": "hi"}, "f")
	got = post(t, srv.URL, ct, body, OverrideHeader, "DELETE")
	assert.Equal(t, `DELETE note="hi" post="hi" file=a.txt:"f"`, got)

	// No override: a POST with its form.
	ct, body = multipartBody(t, map[string]string{"note": "hi"}, "")
	assert.Equal(t, `POST note="hi" post="hi"`, post(t, srv.URL, ct, body))
	ct, body = multipartBody(t, map[string]string{"_method": "GET", "note": "hi"}, "")
	assert.Equal(t, `POST note="hi" post="hi"`, post(t, srv.URL, ct, body), "never a safe method")
	// A header that asks for something else: the request passes as it
	// is (so the handler's own FormValue parses the caller's request).
	plain := newServer(t, MethodOverride(rt))
	assert.Equal(t, `POST note="hi" post="hi"`,
		post(t, plain.URL, urlencoded, strings.NewReader("note=hi&_method=DELETE"), OverrideHeader, "GET"))
}

func TestMethodOverrideUsesAFormParsedBefore(t *testing.T) {
	// A middleware before MethodOverride (a CSRF check) parsed the form
	// and so consumed the body: MethodOverride takes _method from r.PostForm.
	parseFirst := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.ParseMultipartForm(32 << 20)
			next.ServeHTTP(w, r)
		})
	}
	srv := newServer(t, parseFirst(MethodOverride(New().Post(formEcho).Delete(formEcho))))
	defer func() {
		// Even when that middleware left no body behind.
		var s seen
		r := formRequest("POST", "_method=DELETE&note=hi")
		r.ParseForm()
		r.Body = http.NoBody
		MethodOverride(s.handler()).ServeHTTP(httptest.NewRecorder(), r)
		assert.Equal(t, "DELETE", s.r.Method)
		assert.Equal(t, "hi", s.r.FormValue("note"))
	}()
	got := post(t, srv.URL, "application/x-www-form-urlencoded", strings.NewReader("note=hi&_method=DELETE"))
	assert.Equal(t, `DELETE note="hi" post="hi"`, got)
	ct, body := multipartBody(t, map[string]string{"_method": "DELETE", "note": "hi"}, "f")
	got = post(t, srv.URL, ct, body)
	assert.Equal(t, `DELETE note="hi" post="hi" file=a.txt:"f"`, got)
}

func TestMethodOverrideLeavesLargeUploadsAlone(t *testing.T) {
	// An upload larger than a form (10 MB) is not read ahead of the
	// handler: it stays a POST and streams whole to r.MultipartReader.
	if testing.Short() {
		t.Skip("sends 11 MB")
	}
	var method string
	h := MethodOverride(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method = r.Method
		mr, err := r.MultipartReader()
		require.NoError(t, err)
		var n int64
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			c, _ := io.Copy(io.Discard, p)
			n += c
		}
		fmt.Fprint(w, n)
	}))
	srv := newServer(t, h)

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("_method", "DELETE")
		fw, _ := mw.CreateFormFile("upload", "big.bin")
		io.Copy(fw, io.LimitReader(zeros{}, 11<<20))
		mw.Close()
		pw.Close()
	}()
	assert.Equal(t, fmt.Sprint(11<<20+len("DELETE")), post(t, srv.URL, mw.FormDataContentType(), pr))
	assert.Equal(t, "POST", method)
}

func TestMethodOverrideMalformedMultipart(t *testing.T) {
	// A body that is not the multipart it claims: no override, and the
	// handler's own parse reports the error.
	var perr error
	var method string
	h := MethodOverride(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method = r.Method
		perr = r.ParseMultipartForm(1 << 20)
	}))
	r := httptest.NewRequest("POST", "/", strings.NewReader("_method=DELETE"))
	r.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	h.ServeHTTP(httptest.NewRecorder(), r)
	assert.Equal(t, "POST", method)
	assert.Error(t, perr)
}
