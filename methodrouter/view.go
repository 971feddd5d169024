package methodrouter

import (
	"context"
	"fmt"
	"net/http"
)

// Getter is a view that answers GET (and, without a [HeadHandler], HEAD).
type Getter interface {
	Get(http.ResponseWriter, *http.Request)
}

// HeadHandler is a view that answers HEAD itself instead of through Get.
type HeadHandler interface {
	Head(http.ResponseWriter, *http.Request)
}

// Poster is a view that answers POST.
type Poster interface {
	Post(http.ResponseWriter, *http.Request)
}

// Putter is a view that answers PUT.
type Putter interface {
	Put(http.ResponseWriter, *http.Request)
}

// Patcher is a view that answers PATCH.
type Patcher interface {
	Patch(http.ResponseWriter, *http.Request)
}

// Deleter is a view that answers DELETE.
type Deleter interface {
	Delete(http.ResponseWriter, *http.Request)
}

// Optioner is a view that answers OPTIONS itself instead of the automatic
// 200 with Allow.
type Optioner interface {
	Options(http.ResponseWriter, *http.Request)
}

// Dispatcher is a view that runs code around every request, like an
// overridden Django dispatch() (or where DRF runs authentication,
// permissions and throttles). next is the handler the method resolves to:
// the view's method, the automatic HEAD/OPTIONS answer, or the 405. Not
// calling next answers the request without the method handler running.
type Dispatcher interface {
	Dispatch(w http.ResponseWriter, r *http.Request, next http.Handler)
}

// View is Django's as_view() for one value that serves every request: it
// returns a [Router] with each of v's methods Get, Head, Post, Put, Patch,
// Delete and Options registered (the interfaces [Getter], [HeadHandler],
// [Poster], [Putter], [Patcher], [Deleter], [Optioner]). If v is a
// [Dispatcher], every request goes through Dispatch first.
//
// The order for a request is m (m[0] first, as [Router.Use]), then
// Dispatch, then the method's handler. Middlewares added later with Use on
// the returned Router run after Dispatch.
//
//	mux.Handle("/articles/{id}", methodrouter.View(&ArticleView{DB: db}, logRequests))
//
// Every request, concurrent ones too, is served by the same v: v's fields
// are shared state, like a handler's. A Dispatch that keeps per-request
// state in v (Django's habit of setting self.user) is a data race here; use
// [ViewOf], which makes a value per request, as Django does.
//
// Methods are found once, here, by interface assertion; serving does no
// reflection. Methods with pointer receivers are found only when v is a
// pointer. View panics if v has none of the seven methods.
func View(v any, m ...func(http.Handler) http.Handler) *Router {
	rt := New()
	found := false
	for _, vm := range viewMethods {
		if vm.has(v) {
			rt.Handle(vm.method, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { vm.serve(v, w, r) }))
			found = true
		}
	}
	if !found {
		panic(noMethods("View", v))
	}
	rt.Use(m...)
	if d, ok := v.(Dispatcher); ok {
		rt.Use(dispatchMiddleware(d))
	}
	return rt
}

// ViewOf is View for a value made anew for every request by newView, as
// Django's as_view() does, so Dispatch and the method handlers may keep
// per-request state in its fields: Dispatch and the method handler of one
// request get the same value, and no other request sees it.
//
//	type ArticleView struct{ user string }
//	func (v *ArticleView) Dispatch(w http.ResponseWriter, r *http.Request, next http.Handler) {
//		v.user = r.Header.Get("X-User")
//		next.ServeHTTP(w, r)
//	}
//	func (v *ArticleView) Get(w http.ResponseWriter, r *http.Request) { io.WriteString(w, v.user) }
//
//	mux.Handle("/articles/{id}", methodrouter.ViewOf(func() *ArticleView { return new(ArticleView) }))
//
// The methods are those of [View], found by interface assertion on a value
// newView returns: ViewOf calls newView once, here, to find them (so every
// value must have the same methods, as it does when V is a concrete type),
// and panics if that value has none. The Router answers and orders a
// request exactly as View's.
//
// Per request newView is called once, only when the value is needed: for
// the method handler, or before Dispatch when V has one (the automatic 405
// and OPTIONS answers need no value otherwise). Without Dispatch, serving
// allocates nothing beyond what newView does. With Dispatch, the value
// reaches the method handler in the request's context, which costs two
// allocations (the context value and the request copy Dispatch gets).
func ViewOf[V any](newView func() V, m ...func(http.Handler) http.Handler) *Router {
	if newView == nil {
		panic("methodrouter: ViewOf(nil)")
	}
	sample := any(newView())
	key := new(viewKey) // one per router, so nested views never mix values
	rt := New()
	found := false
	_, dispatch := sample.(Dispatcher)
	for _, vm := range viewMethods {
		if !vm.has(sample) {
			continue
		}
		found = true
		if dispatch {
			rt.Handle(vm.method, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				v, ok := r.Context().Value(key).(V)
				if !ok {
					// The context was replaced by one not derived from
					// Dispatch's: a fresh value is all there is.
					v = newView()
				}
				vm.serve(any(v), w, r)
			}))
			continue
		}
		rt.Handle(vm.method, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			vm.serve(any(newView()), w, r)
		}))
	}
	if !found {
		panic(noMethods("ViewOf", sample))
	}
	rt.Use(m...)
	if dispatch {
		rt.Use(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				v := newView()
				r = r.WithContext(context.WithValue(r.Context(), key, v))
				any(v).(Dispatcher).Dispatch(w, r, next)
			})
		})
	}
	return rt
}

// viewKey is the type of the context key under which ViewOf hands the
// request's value from Dispatch to the method handler. It is not zero-size,
// so that each ViewOf's new(viewKey) is a distinct key.
type viewKey struct{ _ byte }

// viewMethods are the methods View and ViewOf look for, in one table so
// that both find them the same way: has reports whether a value has the
// method, serve calls it.
var viewMethods = [...]struct {
	method string
	has    func(any) bool
	serve  func(any, http.ResponseWriter, *http.Request)
}{
	{http.MethodGet,
		func(v any) bool { _, ok := v.(Getter); return ok },
		func(v any, w http.ResponseWriter, r *http.Request) { v.(Getter).Get(w, r) }},
	{http.MethodHead,
		func(v any) bool { _, ok := v.(HeadHandler); return ok },
		func(v any, w http.ResponseWriter, r *http.Request) { v.(HeadHandler).Head(w, r) }},
	{http.MethodPost,
		func(v any) bool { _, ok := v.(Poster); return ok },
		func(v any, w http.ResponseWriter, r *http.Request) { v.(Poster).Post(w, r) }},
	{http.MethodPut,
		func(v any) bool { _, ok := v.(Putter); return ok },
		func(v any, w http.ResponseWriter, r *http.Request) { v.(Putter).Put(w, r) }},
	{http.MethodPatch,
		func(v any) bool { _, ok := v.(Patcher); return ok },
		func(v any, w http.ResponseWriter, r *http.Request) { v.(Patcher).Patch(w, r) }},
	{http.MethodDelete,
		func(v any) bool { _, ok := v.(Deleter); return ok },
		func(v any, w http.ResponseWriter, r *http.Request) { v.(Deleter).Delete(w, r) }},
	{http.MethodOptions,
		func(v any) bool { _, ok := v.(Optioner); return ok },
		func(v any, w http.ResponseWriter, r *http.Request) { v.(Optioner).Options(w, r) }},
}

func noMethods(fn string, v any) string {
	return fmt.Sprintf("methodrouter: %s(%T) has none of the methods Get, Head, Post, Put, Patch, Delete, Options "+
		"with signature func(http.ResponseWriter, *http.Request) (methods on a pointer receiver need a pointer)", fn, v)
}

// dispatchMiddleware turns Dispatch into a middleware; next is fixed when
// the router builds its chain, so a request allocates nothing here.
func dispatchMiddleware(d Dispatcher) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d.Dispatch(w, r, next)
		})
	}
}
