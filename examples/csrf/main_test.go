package main

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/csrf"

	"github.com/seed1f3c5038/mw/methodrouter"
)

var key = bytes.Repeat([]byte("k"), 32)

// browser is a client with cookies that sends Origin like a browser
// posting a form of the same site.
type browser struct {
	t      *testing.T
	srv    *httptest.Server
	client *http.Client
}

func newBrowser(t *testing.T, h http.Handler) *browser {
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	client := srv.Client()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client.Jar = jar
	return &browser{t, srv, client}
}

func (b *browser) do(req *http.Request) (int, string) {
	b.t.Helper()
	req.Header.Set("Origin", b.srv.URL)
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var tokenField = regexp.MustCompile(`name="gorilla.csrf.Token" value="([^"]+)"`)

// token loads the note's page, as a browser does before submitting its
// form, and returns the form's CSRF token.
func (b *browser) token(path string) string {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.srv.URL+path, nil)
	code, body := b.do(req)
	m := tokenField.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		b.t.Fatalf("GET %s: %d %q", path, code, body)
	}
	return m[1]
}

func (b *browser) postURLEncoded(path string, form url.Values) (int, string) {
	req, _ := http.NewRequest("POST", b.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) postMultipart(path string, form url.Values) (int, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// deleteForm is what the page's form sends.
func deleteForm(token, reason string) url.Values {
	v := url.Values{"_method": {"DELETE"}, "reason": {reason}}
	if token != "" {
		v.Set("gorilla.csrf.Token", token)
	}
	return v
}

func TestFormDeleteThroughCSRF(t *testing.T) {
	// The recommended order, as newHandler builds it: MethodOverride
	// outside, gorilla/csrf inside. The handler runs as DELETE, with the
	// form's fields, and only with a valid token.
	for name, post := range map[string]func(*browser, string, url.Values) (int, string){
		"urlencoded": (*browser).postURLEncoded,
		"multipart":  (*browser).postMultipart,
	} {
		b := newBrowser(t, newHandler(key))
		token := b.token("/notes/1")

		code, body := post(b, "/notes/1", deleteForm("", "done"))
		if code != http.StatusForbidden {
			t.Errorf("%s without token: %d %q, want 403", name, code, body)
		}
		code, body = post(b, "/notes/1", deleteForm("forged", "done"))
		if code != http.StatusForbidden {
			t.Errorf("%s with a forged token: %d %q, want 403", name, code, body)
		}
		code, body = post(b, "/notes/1", deleteForm(token, "done"))
		if code != http.StatusOK || body != "deleted 1: done\n" {
			t.Errorf("%s with token: %d %q", name, code, body)
		}
		req, _ := http.NewRequest("GET", b.srv.URL+"/notes/1", nil)
		if code, _ := b.do(req); code != http.StatusNotFound {
			t.Errorf("%s: note still there: %d", name, code)
		}
	}
}

func TestFormDeleteThroughCSRFOtherOrder(t *testing.T) {
	// gorilla/csrf outside: it parses the POST form for its token, and
	// MethodOverride takes _method from that parsed form.
	n := &notes{text: map[string]string{"1": "buy milk"}}
	mux := http.NewServeMux()
	mux.Handle("/notes/{id}", methodrouter.New().Get(n.show).Delete(n.remove))
	h := csrf.Protect(key)(methodrouter.MethodOverride(mux))
	for name, post := range map[string]func(*browser, string, url.Values) (int, string){
		"urlencoded": (*browser).postURLEncoded,
		"multipart":  (*browser).postMultipart,
	} {
		n.text["1"] = "buy milk"
		b := newBrowser(t, h)
		token := b.token("/notes/1")
		if code, body := post(b, "/notes/1", deleteForm("", "done")); code != http.StatusForbidden {
			t.Errorf("%s without token: %d %q, want 403", name, code, body)
		}
		if code, body := post(b, "/notes/1", deleteForm(token, "done")); code != http.StatusOK || body != "deleted 1: done\n" {
			t.Errorf("%s with token: %d %q", name, code, body)
		}
	}
}
