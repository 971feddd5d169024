// Package methodrouter gives one resource one handler per HTTP method, the
// way Django's class-based views do: View.dispatch() looks the method up,
// answers 405 with Allow when there is none, answers OPTIONS itself and
// serves HEAD with GET; an overridden dispatch() runs code before every
// method, where DRF runs its throttles.
//
//	articles := methodrouter.New().
//		Get(showArticle).
//		Put(updateArticle).
//		Delete(deleteArticle, requireAdmin) // per-method middleware
//	mux.Handle("/articles/{id}", articles)
//
// A [Router] routes on the method only; mount it under any path router
// (http.ServeMux patterns, chi, gorilla/mux), which keeps doing the path
// and its parameters (r.PathValue works as usual).
//
// What the client gets, following RFC 9110:
//
//   - a registered method: its handler, inside its own middlewares, inside
//     those given to [Router.Use];
//   - any other method: 405 with an Allow header that lists every method the
//     router answers, each once, in a fixed order (see [Router.Allowed]);
//     method names are case-sensitive, so "get" is not GET (and registering
//     "get" panics);
//   - HEAD without a HEAD handler: the GET handler runs, and the client gets
//     its status and header fields, with the Content-Type and
//     Content-Length net/http would have derived from the body, but no body
//     bytes, whatever ResponseWriter the router is given;
//   - OPTIONS without an OPTIONS handler: 200 with Allow and
//     Content-Length: 0 (RFC 9110 9.3.7).
//
// [WrapMux] gives a whole [net/http.ServeMux] the same 405, Allow and
// OPTIONS answers, with custom 404 and 405 bodies, its routing unchanged.
//
// [View] builds a Router from a value's Get, Post, ... methods, like
// Django's as_view(), and runs its optional Dispatch method around every
// request; [ViewOf] does the same with a fresh value per request, so
// Dispatch may keep per-request state in it. [MethodOverride] lets HTML
// forms send PUT, PATCH and DELETE through POST, and never anything safe,
// and hands the handler the parsed form.
//
// Dispatch to a registered method does not allocate: the router is a
// switch over a table built once from the registrations. The 405 and
// automatic OPTIONS answers allocate only their header values.
package methodrouter
