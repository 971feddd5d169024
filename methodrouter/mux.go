package methodrouter

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// ServeMux is an [http.ServeMux] with the method handling of a [Router]:
// Allow in a fixed order with OPTIONS in it, automatic OPTIONS, and custom
// 404 and 405 answers. Make one with [WrapMux].
type ServeMux struct {
	mux     *http.ServeMux
	mu      sync.Mutex // serialises NotFound and NotAllowed
	answers atomic.Pointer[muxAnswers]
}

// muxAnswers are the custom handlers, replaced whole so that a request
// reads them without a lock.
type muxAnswers struct{ notFound, notAllowed http.Handler }

// WrapMux serves mux's routes unchanged: the same pattern matches, with the
// same r.Pattern and r.PathValue, and the same redirects (to add a trailing
// slash, to a cleaned path). What changes is the answer when no pattern
// matches the request:
//
//   - a path whose patterns match other methods gets 405 with an Allow that
//     lists every method the mux answers there, HEAD with GET, and OPTIONS,
//     in the order of [Router.Allowed] (GET, HEAD, POST, PUT, PATCH,
//     DELETE, OPTIONS, then the others alphabetically); the mux alone lists
//     them alphabetically, without OPTIONS;
//   - OPTIONS on such a path gets 200, Allow and Content-Length: 0 (RFC 9110
//     9.3.7), unless a pattern handles OPTIONS there; the mux alone answers
//     405;
//   - a path no pattern matches gets the mux's 404, or the handler given to
//     [ServeMux.NotFound].
//
// A pattern without a method ("/files/") matches every method, so its path
// never gets 405 or the automatic OPTIONS. Host patterns
// ("example.com/x") count only for their host, as in the mux. CONNECT
// requests are routed as the mux routes them (their path is not cleaned).
//
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /articles/{id}", show)
//	mux.HandleFunc("DELETE /articles/{id}", remove)
//	http.ListenAndServe(":8080", methodrouter.WrapMux(mux))
//
// A request matched by a pattern without wildcards ("GET /health") costs
// one lookup, as in the mux alone. One matched by a pattern with wildcards
// ("GET /articles/{id}", "/{$}") costs the mux's lookup twice: once to
// learn whether a pattern matches ([http.ServeMux.Handler]) and once in
// [http.ServeMux.ServeHTTP], which alone sets the path values; so does a
// request an outer mux has routed already (r.Pattern set).
// When nothing matches, WrapMux learns the allowed methods from the mux's
// own 405 answer, run into a private recorder, so Allow holds exactly the
// methods the mux would list. Patterns registered on mux later are served
// too. WrapMux panics if mux is nil. With GODEBUG=httpmuxgo121=1 the mux
// has no method patterns and never answers 405; only NotFound then applies.
func WrapMux(mux *http.ServeMux) *ServeMux {
	if mux == nil {
		panic("methodrouter: WrapMux(nil)")
	}
	m := &ServeMux{mux: mux}
	m.answers.Store(new(muxAnswers))
	return m
}

func (m *ServeMux) setAnswers(f func(*muxAnswers)) *ServeMux {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := *m.answers.Load()
	f(&a)
	m.answers.Store(&a)
	return m
}

// NotFound sets the handler for requests no pattern matches, in place of
// the mux's "404 page not found". When h runs the status defaults to 404:
// h writes the body (and may set headers, or call WriteHeader with another
// status); if it writes nothing the client gets an empty 404. A nil h
// restores the mux's answer. It is safe to call while serving.
func (m *ServeMux) NotFound(h http.Handler) *ServeMux {
	if isNilHandler(h) {
		h = nil
	}
	return m.setAnswers(func(a *muxAnswers) { a.notFound = h })
}

// NotAllowed sets the handler for a method no pattern answers on a path
// that other methods match, in place of "Method Not Allowed\n". When h runs
// the Allow header is already set and the status defaults to 405, as with
// [Router.NotAllowed]. A nil h restores the default body. It is safe to
// call while serving.
func (m *ServeMux) NotAllowed(h http.Handler) *ServeMux {
	if isNilHandler(h) {
		h = nil
	}
	return m.setAnswers(func(a *muxAnswers) { a.notAllowed = h })
}

// ServeHTTP routes r with the mux; see [WrapMux] for what it answers when
// no pattern matches.
func (m *ServeMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	entry := r.Pattern
	h, pattern := m.mux.Handler(r)
	// A pattern, or a redirect to one: the mux serves it. "*" is the mux's
	// own 400, which Handler does not report.
	if pattern != "" || r.RequestURI == "*" {
		if entry == "" && r.RequestURI != "*" && !strings.Contains(pattern, "{") {
			// A pattern without wildcards has no path values, and no mux
			// has set r's before (r.Pattern was empty), so all the mux
			// would set is r.Pattern: serve h without the second lookup.
			r.Pattern = pattern
			h.ServeHTTP(w, r)
			return
		}
		// Only ServeHTTP sets the path values: it looks the pattern up
		// again.
		m.mux.ServeHTTP(w, r)
		return
	}
	// No pattern: Handler gives a 404, a 405 or a redirect to a cleaned
	// path that will not match either, all with pattern "" (Go 1.22 to
	// 1.26). Run it into a recorder to learn which, and the methods.
	var rec statusRecorder
	h.ServeHTTP(&rec, r)
	answers := m.answers.Load()
	switch rec.code {
	case http.StatusMethodNotAllowed:
		var methods []string
		for _, v := range rec.header["Allow"] {
			for _, m := range strings.Split(v, ",") {
				if m = strings.TrimSpace(m); m != "" {
					methods = append(methods, m)
				}
			}
		}
		allow := strings.Join(allowOrder(methods), ", ")
		if r.Method == http.MethodOptions {
			autoOptions{allow: allow}.ServeHTTP(w, r)
			return
		}
		(&notAllowed{allow: allow, custom: answers.notAllowed}).ServeHTTP(w, r)
	case http.StatusNotFound:
		if answers.notFound != nil {
			serveWithStatus(w, r, answers.notFound, http.StatusNotFound)
			return
		}
		m.mux.ServeHTTP(w, r)
	default:
		m.mux.ServeHTTP(w, r)
	}
}

// statusRecorder keeps the status and header fields of the mux's own
// answer and drops its body.
type statusRecorder struct {
	header http.Header
	code   int
}

func (s *statusRecorder) Header() http.Header {
	if s.header == nil {
		s.header = make(http.Header)
	}
	return s.header
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	s.WriteHeader(http.StatusOK)
	return len(p), nil
}
