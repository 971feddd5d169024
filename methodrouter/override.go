package methodrouter

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// OverrideHeader is the request header [MethodOverride] reads.
const OverrideHeader = "X-HTTP-Method-Override"

// OverrideField is the form field [MethodOverride] reads from an
// application/x-www-form-urlencoded POST body.
const OverrideField = "_method"

// maxFormBytes is http.Request.ParseForm's cap on a body that has no
// http.MaxBytesReader: MethodOverride never reads more than that.
const maxFormBytes = 10 << 20

// MethodOverride lets an HTML form tunnel PUT, PATCH or DELETE through
// POST. For a POST request only, it reads the method from the
// X-HTTP-Method-Override header or, when the header is absent, from the
// "_method" field of an application/x-www-form-urlencoded body (not the
// query string, not multipart bodies). The value is matched without regard
// to case ("delete" from a form becomes DELETE); anything other than PUT,
// PATCH or DELETE is ignored and the request stays a POST. A header that is
// present but not one of the three is not backed up by the form field.
//
// It never turns a request into GET, HEAD, OPTIONS or CONNECT: a cross-site
// form could then skip CSRF checks that only guard unsafe methods. Put it
// before the CSRF check or after, the request is checked either way.
//
// The caller's *http.Request is never modified: next gets a shallow copy
// with the new method. To read the form field, MethodOverride reads the
// body, at most 10 MB (ParseForm's own limit; a body that reaches it is not
// searched and is passed on whole), so next gets the copy with a body that
// replays the same bytes, then the same read error if there was one, or the
// rest.
// next can still call ParseForm, or read the raw body. Other requests reach
// next as they are, without allocation.
//
//	h := methodrouter.MethodOverride(methodrouter.New().Post(create).Delete(remove))
func MethodOverride(next http.Handler) http.Handler {
	if isNilHandler(next) {
		panic("methodrouter: MethodOverride(nil)")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		var method string
		var body io.ReadCloser
		// The header's canonical key, indexed directly: Get would
		// re-canonicalise it on every request.
		if v := r.Header["X-Http-Method-Override"]; len(v) > 0 {
			method = overrideMethod(v[0])
		} else if isURLEncoded(r) && r.Body != nil && r.Body != http.NoBody {
			var field string
			field, body = readOverrideField(r.Body)
			method = overrideMethod(field)
		}
		if method == "" && body == nil {
			next.ServeHTTP(w, r)
			return
		}
		r2 := new(http.Request)
		*r2 = *r
		if method != "" {
			r2.Method = method
		}
		if body != nil {
			r2.Body = body
		}
		next.ServeHTTP(w, r2)
	})
}

// overrideMethod returns the method v asks for if it is one MethodOverride
// may switch to, or "".
func overrideMethod(v string) string {
	for _, m := range [...]string{http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if strings.EqualFold(v, m) {
			return m
		}
	}
	return ""
}

// isURLEncoded reports whether r's body is a URL-encoded form, the one
// body type ParseForm decodes into PostForm without multipart parsing.
func isURLEncoded(r *http.Request) bool {
	ct := r.Header["Content-Type"]
	if len(ct) == 0 {
		return false
	}
	mt, _, _ := strings.Cut(ct[0], ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded")
}

// readOverrideField reads up to maxFormBytes of body and returns the
// _method field (or "") and a body that replays what was read.
func readOverrideField(body io.ReadCloser) (string, io.ReadCloser) {
	b, err := io.ReadAll(io.LimitReader(body, maxFormBytes))
	replay := replayBody{Closer: body}
	switch {
	case err != nil:
		// The next handler sees the same bytes, then the same error.
		replay.Reader = io.MultiReader(bytes.NewReader(b), errReader{err})
		return "", replay
	case len(b) == maxFormBytes:
		// Too large for ParseForm: pass it all on, don't search it.
		replay.Reader = io.MultiReader(bytes.NewReader(b), body)
		return "", replay
	}
	replay.Reader = bytes.NewReader(b)
	return formField(b, OverrideField), replay
}

// formField returns the first value of key in a URL-encoded form, with
// url.ParseQuery's rules (pairs holding ';' or bad escapes are skipped),
// without building the whole map.
func formField(form []byte, key string) string {
	for len(form) > 0 {
		var pair []byte
		pair, form, _ = bytes.Cut(form, []byte{'&'})
		if len(pair) == 0 || bytes.IndexByte(pair, ';') >= 0 {
			continue
		}
		k, v, _ := bytes.Cut(pair, []byte{'='})
		name, err := url.QueryUnescape(string(k))
		if err != nil || name != key {
			continue
		}
		value, err := url.QueryUnescape(string(v))
		if err != nil {
			continue
		}
		return value
	}
	return ""
}

// replayBody is the copy's body: what was read, then the rest; Close
// closes the original.
type replayBody struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
