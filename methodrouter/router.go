package methodrouter

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/seed1f3c5038/mw/internal/httpsyntax"
	"github.com/seed1f3c5038/mw/internal/respwriter"
)

// Router sends each request to the handler registered for its method, the
// way Django's View.dispatch() does. It answers what is left itself:
//
//   - a method with no handler gets 405 Method Not Allowed and an Allow
//     header listing every method the router answers (see [Router.Allowed]);
//   - HEAD with no HEAD handler runs the GET handler; the client gets GET's
//     status and headers, Content-Type and Content-Length included, and no
//     body (see [Router.Head]);
//   - OPTIONS with no OPTIONS handler gets 200, Allow and Content-Length: 0.
//
// Method names are case-sensitive (RFC 9110 9.1): a request for "get" is
// not GET and gets 405. Registering an invalid method token, a standard
// method in another case ("get"), a method twice, a nil handler or a nil
// middleware panics with a message that names it, like
// [http.ServeMux.Handle] does for a bad pattern.
//
// Registration (Handle, the per-method helpers, Use, NotAllowed) may happen
// in any order. The router composes its middleware chains once, on the first
// request after the last registration, so each middleware given to Use wraps
// exactly once. Registering while requests are served is safe (the next
// request sees the new table) but rebuilds the Use chain; register
// everything before serving.
//
// The zero value is an empty router, ready to use. A Router must not be
// copied after first use.
type Router struct {
	mu         sync.Mutex
	routes     []route // registration order
	use        []func(http.Handler) http.Handler
	notAllowed http.Handler
	table      atomic.Pointer[table] // nil means "rebuild on next request"
}

// route is one registered method and its handler, already wrapped in the
// middlewares given with it.
type route struct {
	method string
	h      http.Handler
}

// New returns an empty Router. Chain the registrations:
//
//	rt := methodrouter.New().Get(show).Put(update).Delete(remove)
//	mux.Handle("/articles/{id}", rt)
func New() *Router { return new(Router) }

// Handle registers h for method, wrapped in m: m[0] sees the request first,
// and every middleware given to [Router.Use] runs before all of m.
// Extension methods (PURGE, PROPFIND, ...) are registered here too.
//
// It panics if method is not an RFC 9110 token, if it is a standard method
// spelled in another case ("get" for GET), if method is already registered,
// or if h or one of m is nil.
func (rt *Router) Handle(method string, h http.Handler, m ...func(http.Handler) http.Handler) *Router {
	if !validMethod(method) {
		panic(fmt.Sprintf("methodrouter: invalid method token %q", method))
	}
	if up := strings.ToUpper(method); up != method && slices.Contains(standardMethods[:], up) {
		// Method names are case-sensitive, so "get" would be an extension
		// method that no client sends: every GET would get 405.
		panic(fmt.Sprintf("methodrouter: method %q is not %q: method names are case-sensitive (RFC 9110 9.1); register %q", method, up, up))
	}
	if isNilHandler(h) {
		panic(fmt.Sprintf("methodrouter: nil handler for method %s", method))
	}
	for i, mw := range m {
		if mw == nil {
			panic(fmt.Sprintf("methodrouter: nil middleware at index %d for method %s", i, method))
		}
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, r := range rt.routes {
		if r.method == method {
			panic(fmt.Sprintf("methodrouter: method %s registered twice", method))
		}
	}
	for i := len(m) - 1; i >= 0; i-- {
		h = m[i](h)
	}
	if isNilHandler(h) {
		panic(fmt.Sprintf("methodrouter: middleware for method %s returned a nil handler", method))
	}
	rt.routes = append(rt.routes, route{method, h})
	rt.table.Store(nil)
	return rt
}

// Get registers f for GET, wrapped in m (see [Router.Handle]). Unless a HEAD
// handler is registered too, f also answers HEAD.
func (rt *Router) Get(f http.HandlerFunc, m ...func(http.Handler) http.Handler) *Router {
	return rt.handleFunc(http.MethodGet, f, m)
}

// Head registers f for HEAD, wrapped in m (see [Router.Handle]). Most
// routers don't need it: without it, HEAD runs the GET handler with a
// ResponseWriter that drops the body after counting and sniffing it, so the
// client gets the status, headers, Content-Type and Content-Length a GET
// would get from net/http over HTTP/1.1, whatever the ResponseWriter under
// the router: like net/http, a body longer than 2048 bytes or a flushed one
// gets no Content-Length (a GET would go chunked). The GET handler sees
// r.Method == "HEAD" and may skip its body. Register HEAD when the GET body
// is expensive to produce and cheap to describe.
func (rt *Router) Head(f http.HandlerFunc, m ...func(http.Handler) http.Handler) *Router {
	return rt.handleFunc(http.MethodHead, f, m)
}

// Post registers f for POST, wrapped in m (see [Router.Handle]): a throttle
// given here limits POST alone.
func (rt *Router) Post(f http.HandlerFunc, m ...func(http.Handler) http.Handler) *Router {
	return rt.handleFunc(http.MethodPost, f, m)
}

// Put registers f for PUT, wrapped in m (see [Router.Handle]).
func (rt *Router) Put(f http.HandlerFunc, m ...func(http.Handler) http.Handler) *Router {
	return rt.handleFunc(http.MethodPut, f, m)
}

// Patch registers f for PATCH, wrapped in m (see [Router.Handle]).
func (rt *Router) Patch(f http.HandlerFunc, m ...func(http.Handler) http.Handler) *Router {
	return rt.handleFunc(http.MethodPatch, f, m)
}

// Delete registers f for DELETE, wrapped in m (see [Router.Handle]).
func (rt *Router) Delete(f http.HandlerFunc, m ...func(http.Handler) http.Handler) *Router {
	return rt.handleFunc(http.MethodDelete, f, m)
}

// Options registers f for OPTIONS, wrapped in m (see [Router.Handle]),
// replacing the automatic answer (200, Allow, Content-Length: 0). f should
// set Allow itself; [Router.Allowed] gives its value.
func (rt *Router) Options(f http.HandlerFunc, m ...func(http.Handler) http.Handler) *Router {
	return rt.handleFunc(http.MethodOptions, f, m)
}

func (rt *Router) handleFunc(method string, f http.HandlerFunc, m []func(http.Handler) http.Handler) *Router {
	if f == nil {
		panic(fmt.Sprintf("methodrouter: nil handler for method %s", method))
	}
	return rt.Handle(method, f, m...)
}

// Use wraps the whole router in m: m[0] sees every request first, before the
// method is even looked at, so m runs for the automatic 405, OPTIONS and
// HEAD answers too, and before the middlewares given to [Router.Handle].
// Each middleware wraps once, not once per method, so a Use throttle counts
// all methods together. Calls add to the end: Use(a).Use(b) is Use(a, b).
// It panics if one of m is nil; a middleware that returns a nil handler
// panics when the chain is built, on the first request.
func (rt *Router) Use(m ...func(http.Handler) http.Handler) *Router {
	for i, mw := range m {
		if mw == nil {
			panic(fmt.Sprintf("methodrouter: nil middleware at index %d in Use", i))
		}
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.use = append(rt.use, m...)
	rt.table.Store(nil)
	return rt
}

// NotAllowed sets the handler for methods the router does not answer. When
// h runs, the Allow header is already set and the status defaults to 405:
// h writes the body (and may set headers, or call WriteHeader with another
// status); if it writes nothing the client gets an empty 405. Without
// NotAllowed, or with h nil, the body is "Method Not Allowed\n" as text/plain,
// like [http.ServeMux].
func (rt *Router) NotAllowed(h http.Handler) *Router {
	if isNilHandler(h) {
		h = nil
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.notAllowed = h
	rt.table.Store(nil)
	return rt
}

// Allowed returns the methods listed in the Allow header of a 405 or an
// automatic OPTIONS answer: GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS
// in that order, those registered (HEAD when GET is, OPTIONS always), then
// the other methods in registration order. The slice is the caller's.
func (rt *Router) Allowed() []string {
	return append([]string(nil), rt.load().allowed...)
}

// ServeHTTP dispatches r on r.Method. A registered method costs a switch and
// no allocation; see [Router] for what the router answers itself.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := rt.load()
	if t.autoHead && r.Method == http.MethodHead {
		// Wrap before Use so nothing below the router reaches the client's
		// writer with body bytes: what a GET would have written is counted,
		// sniffed and dropped here.
		hw := newHeadWriter(w)
		// The handler sees exactly w's optional interfaces, so
		// w.(http.Flusher) tells it the truth.
		visible := respwriter.Expose(hw, w)
		t.root.ServeHTTP(visible, r)
		hw.finish()
		return
	}
	t.root.ServeHTTP(w, r)
}

// load returns the current table, building it if a registration changed it.
func (rt *Router) load() *table {
	if t := rt.table.Load(); t != nil {
		return t
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if t := rt.table.Load(); t != nil {
		return t
	}
	t := rt.build()
	rt.table.Store(t)
	return t
}

// table is the read-only form of a Router that ServeHTTP uses: one field
// per common method so dispatch is a switch, the rest in a short slice.
type table struct {
	root http.Handler // the Use chain around the table itself

	get, head, post, put, patch, delete, options http.Handler
	ext                                          []route
	notAllowed                                   http.Handler

	autoHead bool // no HEAD handler: HEAD goes through a headWriter
	allowed  []string
}

// standardOrder is the order of Allow; other methods follow in
// registration order.
var standardOrder = [...]string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
}

// standardMethods are the methods of RFC 9110 and 5789, whose lower-case
// spellings Handle refuses.
var standardMethods = [...]string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
	http.MethodConnect, http.MethodTrace,
}

// allowOrder returns methods as an Allow header lists them, each once: the
// methods of standardOrder that are in methods, OPTIONS always (it is
// answered automatically), then the rest in the order given. Router and
// ServeMux both use it, so their Allow headers read the same.
func allowOrder(methods []string) []string {
	var out []string
	for _, m := range standardOrder {
		if m == http.MethodOptions || slices.Contains(methods, m) {
			out = append(out, m)
		}
	}
	for _, m := range methods {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// build makes the table from the registrations; rt.mu is held.
func (rt *Router) build() *table {
	t := &table{autoHead: true}
	for _, r := range rt.routes {
		switch r.method {
		case http.MethodGet:
			t.get = r.h
		case http.MethodHead:
			t.head = r.h
			t.autoHead = false
		case http.MethodPost:
			t.post = r.h
		case http.MethodPut:
			t.put = r.h
		case http.MethodPatch:
			t.patch = r.h
		case http.MethodDelete:
			t.delete = r.h
		case http.MethodOptions:
			t.options = r.h
		default:
			t.ext = append(t.ext, r)
		}
	}
	if t.autoHead {
		t.head = t.get // nil when there is no GET either: 405
	}

	methods := make([]string, 0, len(rt.routes)+1)
	for _, r := range rt.routes {
		methods = append(methods, r.method)
	}
	if t.autoHead && t.get != nil {
		methods = append(methods, http.MethodHead)
	}
	t.allowed = allowOrder(methods)
	allow := strings.Join(t.allowed, ", ")

	if t.options == nil {
		t.options = autoOptions{allow: allow}
	}
	t.notAllowed = &notAllowed{allow: allow, custom: rt.notAllowed}

	t.root = t
	for i := len(rt.use) - 1; i >= 0; i-- {
		t.root = rt.use[i](t.root)
	}
	if isNilHandler(t.root) {
		panic("methodrouter: a middleware given to Use returned a nil handler")
	}
	return t
}

// lookup returns the handler for method, or nil.
func (t *table) lookup(method string) http.Handler {
	switch method {
	case http.MethodGet:
		return t.get
	case http.MethodHead:
		return t.head
	case http.MethodPost:
		return t.post
	case http.MethodPut:
		return t.put
	case http.MethodPatch:
		return t.patch
	case http.MethodDelete:
		return t.delete
	case http.MethodOptions:
		return t.options
	}
	for i := range t.ext {
		if t.ext[i].method == method {
			return t.ext[i].h
		}
	}
	return nil
}

// ServeHTTP is the innermost handler of the Use chain: the method switch.
func (t *table) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := t.lookup(r.Method)
	if h == nil {
		h = t.notAllowed
	}
	h.ServeHTTP(w, r)
}

// autoOptions answers OPTIONS when no handler is registered for it.
type autoOptions struct{ allow string }

func (a autoOptions) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	// One allocation for both values. Each header gets its own full slice
	// (len == cap), so a later Header().Add copies instead of writing
	// into the other value.
	v := make([]string, 2)
	v[0], v[1] = a.allow, "0"
	h := w.Header()
	h["Allow"] = v[0:1:1]
	h["Content-Length"] = v[1:2:2]
	w.WriteHeader(http.StatusOK)
}

// notAllowed answers 405 with Allow, then the default or custom body.
type notAllowed struct {
	allow  string
	custom http.Handler
}

var notAllowedBody = []byte("Method Not Allowed\n")

func (n *notAllowed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if n.custom != nil {
		h["Allow"] = []string{n.allow}
		serveWithStatus(w, r, n.custom, http.StatusMethodNotAllowed)
		return
	}
	// As http.Error: a Content-Length set above us would be wrong now.
	v := make([]string, 3)
	v[0], v[1], v[2] = n.allow, "text/plain; charset=utf-8", "nosniff"
	delete(h, "Content-Length")
	h["Allow"] = v[0:1:1]
	h["Content-Type"] = v[1:2:2]
	h["X-Content-Type-Options"] = v[2:3:3]
	w.WriteHeader(http.StatusMethodNotAllowed)
	w.Write(notAllowedBody)
}

// serveWithStatus runs a custom error handler h: what it writes goes out
// under code unless it calls WriteHeader with another status, and if it
// writes nothing the client gets an empty response with code.
func serveWithStatus(w http.ResponseWriter, r *http.Request, h http.Handler, code int) {
	ww, rec := respwriter.Wrap(w)
	rec.SetImplicitStatus(code)
	h.ServeHTTP(ww, r)
	if !rec.HeaderWritten() && !rec.Hijacked() {
		ww.WriteHeader(code)
	}
}

// validMethod reports whether m is an RFC 9110 token (section 5.6.2),
// the syntax of a method name.
func validMethod(m string) bool { return httpsyntax.IsToken(m) }

// isNilHandler catches nil and the typed nils a nil HandlerFunc becomes.
func isNilHandler(h http.Handler) bool {
	if h == nil {
		return true
	}
	f, ok := h.(http.HandlerFunc)
	return ok && f == nil
}
