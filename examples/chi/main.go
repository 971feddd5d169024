// Command chi shows mw's middlewares inside a chi router: they are plain
// func(http.Handler) http.Handler, so chi's Use and With take them as they
// are. This example is its own module, so chi never enters mw's go.mod.
//
//	cd examples/chi && go run .
//	curl -i http://127.0.0.1:8082/articles/1
package main

import (
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/methodrouter"
	"github.com/seed1f3c5038/mw/ratelimit"
	"github.com/seed1f3c5038/mw/recovery"
	"github.com/seed1f3c5038/mw/timeout"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8082", "address to listen on")
	flag.Parse()
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))

	perIP, err := ratelimit.New("60-M")
	if err != nil {
		log.Fatal(err)
	}
	defer perIP.Close()

	r := chi.NewRouter()
	r.Use(logging.New(logger), recovery.New(recovery.WithLogger(logger)), perIP.Middleware)

	// One resource, one handler per method; chi matches the path, the
	// methodrouter answers 405 with Allow, HEAD and OPTIONS.
	r.With(timeout.New(2*time.Second)).Handle("/articles/{id}", methodrouter.New().
		Get(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "article %s\n", chi.URLParam(r, "id"))
		}).
		Delete(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		}))

	srv := &http.Server{Addr: *addr, Handler: r, ReadHeaderTimeout: 5 * time.Second}
	logger.Info("listening", "url", "http://"+*addr)
	log.Fatal(srv.ListenAndServe())
}
