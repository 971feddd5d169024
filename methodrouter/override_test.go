package methodrouter

import (
	"errors"
	"io"
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

func TestMethodOverrideOnlyURLEncodedBodies(t *testing.T) {
	cases := []struct {
		ct   string
		want string
	}{
		{"application/x-www-form-urlencoded", "DELETE"},
		{"Application/X-WWW-Form-URLEncoded; charset=utf-8", "DELETE"},
		{"multipart/form-data; boundary=x", "POST"},
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
