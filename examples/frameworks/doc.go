// Package frameworks holds the recipes README.md gives for using mw with
// net/http's ServeMux, chi, gorilla/mux, echo and gin, and the tests that run
// each recipe under a real server. It is its own module, so no framework
// enters mw's go.mod.
//
// The rule behind every recipe: wrap the whole router or engine, not only
// its routes, so the 404s and 405s it answers itself are logged, limited and
// recovered like any other request. Each recipe then tells the access log
// the route template in the way its router allows: r.Pattern (ServeMux),
// logging.WithRoute (chi) or logging.AddAttrs from a middleware inside the
// router (gorilla/mux, echo, gin, which hand their handlers a copy of the
// request).
package frameworks
