package methodrouter

import (
	"bytes"
	"io"
	"net/http"
	"strings"
)

// OverrideHeader is the request header [MethodOverride] reads.
const OverrideHeader = "X-HTTP-Method-Override"

// OverrideField is the form field [MethodOverride] reads from a POST form
// body, URL-encoded or multipart.
const OverrideField = "_method"

// maxFormBytes is http.Request.ParseForm's cap on a URL-encoded body that
// has no http.MaxBytesReader: MethodOverride never reads more than that, of
// either kind of form, so an upload larger than a form passes untouched.
const maxFormBytes = 10 << 20

// MethodOverride lets an HTML form tunnel PUT, PATCH or DELETE through
// POST. For a POST request only, it reads the method from the
// X-HTTP-Method-Override header or, when the header is absent, from the
// "_method" field of the form body (application/x-www-form-urlencoded or
// multipart/form-data; not the query string). The value is matched without
// regard to case ("delete" from a form becomes DELETE); anything other than
// PUT, PATCH or DELETE is ignored and the request stays a POST. A header
// that is present but not one of the three is not backed up by the form
// field, and the body is then left unread.
//
// It never turns a request into GET, HEAD, OPTIONS or CONNECT: a cross-site
// form could then skip CSRF checks that only guard unsafe methods.
//
// The caller's *http.Request is never modified: next gets a shallow copy
// with the new method and the form already parsed, Form and PostForm set
// (and MultipartForm for a multipart body), so r.FormValue and
// r.PostFormValue work for DELETE as for PUT and PATCH (net/http's
// ParseForm reads no DELETE body). The form is parsed as r.FormValue would:
// a form body of up to 10 MB, URL-encoded or multipart, is read, parsed
// and replayed byte for byte to the copy's Body. A longer body, or one
// whose read fails, is neither parsed nor overridden by its field: it
// reaches next whole, error included, so a large upload still streams to
// a handler that reads it with r.MultipartReader. A form some middleware before
// MethodOverride has already parsed (r.PostForm set) is used as it is, the
// body not read again. Other requests reach next as they are, without
// allocation.
//
// With a CSRF middleware that reads its token from the form, such as
// gorilla/csrf, both orders check the request, and the form reaches the
// handler either way; put MethodOverride first (outside):
//
//	h := methodrouter.MethodOverride(csrf.Protect(key)(router))
//
// Then the CSRF check sees the method the handler will run (DELETE is
// unsafe, so it is checked) and finds its token in the Form MethodOverride
// parsed; without that form a DELETE would have none, as net/http reads no
// DELETE body. In the other order, csrf.Protect(key)(MethodOverride(router)),
// the CSRF middleware parses the POST form first, and MethodOverride takes
// _method from that parsed form.
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
		method := ""
		header := r.Header["X-Http-Method-Override"] // canonical key: Get would re-canonicalise it
		if len(header) > 0 {
			if method = overrideMethod(header[0]); method == "" {
				next.ServeHTTP(w, r)
				return
			}
		}
		parsed := r.PostForm != nil // by a middleware before us
		kind := formKind(r)
		if kind == notForm && method == "" && !parsed {
			next.ServeHTTP(w, r)
			return
		}
		r2 := new(http.Request)
		*r2 = *r
		if kind != notForm && !parsed {
			if parseForm(r2, kind) {
				// net/http removes only the files of the request it made.
				defer r2.MultipartForm.RemoveAll()
			}
		}
		if method == "" && r2.PostForm != nil {
			method = overrideMethod(r2.PostForm.Get(OverrideField))
		}
		if method != "" {
			r2.Method = method
		}
		next.ServeHTTP(w, r2)
	})
}

type bodyKind int

const (
	notForm bodyKind = iota
	urlEncoded
	multipartForm
)

// formKind tells which form body r has, from its Content-Type.
func formKind(r *http.Request) bodyKind {
	ct := r.Header["Content-Type"]
	if len(ct) == 0 || r.Body == nil || r.Body == http.NoBody {
		return notForm
	}
	mt, _, _ := strings.Cut(ct[0], ";")
	switch mt = strings.TrimSpace(mt); {
	case strings.EqualFold(mt, "application/x-www-form-urlencoded"):
		return urlEncoded
	case strings.EqualFold(mt, "multipart/form-data"):
		return multipartForm
	}
	return notForm
}

// parseForm parses r's form body as r.FormValue would (r is still a POST,
// so net/http reads it): pairs it cannot decode are skipped, and a
// malformed multipart body is left for next's own parse to report. The body
// is read first, at most maxFormBytes, so that r.Body can replay it; on a
// read error or past that cap nothing is parsed and r.Body replays what was
// read, then the rest or the error. parseForm reports whether
// r.MultipartForm is now ours to remove.
func parseForm(r *http.Request, kind bodyKind) bool {
	body := r.Body
	b, err := io.ReadAll(io.LimitReader(body, maxFormBytes))
	replay := replayBody{Closer: body}
	switch {
	case err != nil:
		// The next handler sees the same bytes, then the same error.
		replay.Reader = io.MultiReader(bytes.NewReader(b), errReader{err})
		r.Body = replay
		return false
	case len(b) == maxFormBytes:
		// Larger than a form: pass it all on, don't parse it.
		replay.Reader = io.MultiReader(bytes.NewReader(b), body)
		r.Body = replay
		return false
	}
	r.Body = replayBody{Reader: bytes.NewReader(b), Closer: body}
	ours := false
	if kind == multipartForm {
		// Within the cap, every part fits in memory; RemoveAll covers the
		// rule, not a case we expect.
		ours = r.ParseMultipartForm(maxFormBytes) == nil
	} else {
		_ = r.ParseForm() // as r.FormValue: the pairs that decode count
	}
	r.Body = replayBody{Reader: bytes.NewReader(b), Closer: body}
	return ours
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

// replayBody is the copy's body: what was read, then the rest; Close
// closes the original.
type replayBody struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
