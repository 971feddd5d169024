package frameworks

import (
	"io"
	"log/slog"
	"net/http"

	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/ratelimit"
)

// recipe:servemux
func ServeMux(logger *slog.Logger, limiter *ratelimit.Limiter, a *Articles) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /articles/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, a.Get(r.PathValue("id")))
	})
	mux.HandleFunc("POST /articles", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, a.Create())
	})
	// Wrap the mux, not each route: its 404s and 405s are logged too. The
	// mux sets r.Pattern on the copy of the request the stack hands it, so
	// logging asks the mux for the pattern instead.
	route := func(r *http.Request) string { _, pattern := mux.Handler(r); return pattern }
	return Stack(logger, limiter, logging.WithRoute(route)).Then(mux)
}

// recipe:end
