package frameworks

import (
	"io"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/ratelimit"
)

// recipe:chi
func Chi(logger *slog.Logger, limiter *ratelimit.Limiter, a *Articles) http.Handler {
	r := chi.NewRouter()
	// r.Use wraps the whole router, 404 and 405 included. The route comes
	// from chi's routing context, complete once the handler has returned,
	// even across nested r.Route and middlewares that copy the request.
	r.Use(Stack(logger, limiter, logging.WithRoute(chiRoute)).Then)
	r.Route("/articles", func(r chi.Router) {
		r.Get("/{id}", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, a.Get(chi.URLParam(r, "id")))
		})
		r.With(requireJSON).Post("/", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, a.Create())
		})
	})
	return r
}

func chiRoute(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		return rc.RoutePattern()
	}
	return ""
}

// requireJSON is any per-route middleware; this one also hands on a copy
// of the request, as many do.
func requireJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want application/json", http.StatusUnsupportedMediaType)
			return
		}
		next.ServeHTTP(w, r.WithContext(r.Context()))
	})
}

// recipe:end
