package frameworks

import (
	"io"
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/ratelimit"
)

// recipe:gorilla
func Gorilla(logger *slog.Logger, limiter *ratelimit.Limiter, a *Articles) http.Handler {
	r := mux.NewRouter()
	r.Use(gorillaRoute)
	r.HandleFunc("/articles/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, a.Get(mux.Vars(r)["id"]))
	}).Methods(http.MethodGet)
	r.HandleFunc("/articles", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, a.Create())
	}).Methods(http.MethodPost)
	// Wrap the router from outside: gorilla runs r.Use middlewares only on
	// a matched route, so its 404s and 405s would go unlogged.
	return Stack(logger, limiter).Then(r)
}

// gorillaRoute tells the access log the matched route's template. gorilla
// hands the handler a copy of the request, so it reports from inside.
func gorillaRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if route := mux.CurrentRoute(r); route != nil {
			if tmpl, err := route.GetPathTemplate(); err == nil {
				logging.AddAttrs(r.Context(), slog.String("route", tmpl))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// recipe:end
