package methodrouter

import (
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

// View is Django's as_view(): it returns a [Router] with each of v's
// methods Get, Head, Post, Put, Patch, Delete and Options registered (the
// interfaces [Getter], [HeadHandler], [Poster], [Putter], [Patcher],
// [Deleter], [Optioner]). If v is a [Dispatcher], every request goes
// through Dispatch first.
//
// The order for a request is m (m[0] first, as [Router.Use]), then
// Dispatch, then the method's handler. Middlewares added later with Use on
// the returned Router run after Dispatch.
//
//	mux.Handle("/articles/{id}", methodrouter.View(&ArticleView{DB: db}, logRequests))
//
// Methods are found once, here, by interface assertion; serving does no
// reflection. Methods with pointer receivers are found only when v is a
// pointer. View panics if v has none of the seven methods.
func View(v any, m ...func(http.Handler) http.Handler) *Router {
	rt := New()
	found := false
	if x, ok := v.(Getter); ok {
		rt.Get(x.Get)
		found = true
	}
	if x, ok := v.(HeadHandler); ok {
		rt.Head(x.Head)
		found = true
	}
	if x, ok := v.(Poster); ok {
		rt.Post(x.Post)
		found = true
	}
	if x, ok := v.(Putter); ok {
		rt.Put(x.Put)
		found = true
	}
	if x, ok := v.(Patcher); ok {
		rt.Patch(x.Patch)
		found = true
	}
	if x, ok := v.(Deleter); ok {
		rt.Delete(x.Delete)
		found = true
	}
	if x, ok := v.(Optioner); ok {
		rt.Options(x.Options)
		found = true
	}
	if !found {
		panic(fmt.Sprintf("methodrouter: View(%T) has none of the methods Get, Head, Post, Put, Patch, Delete, Options "+
			"with signature func(http.ResponseWriter, *http.Request) (methods on a pointer receiver need a pointer)", v))
	}
	rt.Use(m...)
	if d, ok := v.(Dispatcher); ok {
		rt.Use(dispatchMiddleware(d))
	}
	return rt
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
