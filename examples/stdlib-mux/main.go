// Command stdlib-mux shows mw on a plain http.ServeMux with Go 1.22
// patterns: one chain shared by every route, a per-route throttle added
// with Append, and a methodrouter for one resource.
//
//	go run ./examples/stdlib-mux
//	curl -i http://127.0.0.1:8081/notes
//	curl -i -X DELETE http://127.0.0.1:8081/notes   # 405, Allow: GET, HEAD, OPTIONS, POST
package main

import (
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/seed1f3c5038/mw"
	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/methodrouter"
	"github.com/seed1f3c5038/mw/ratelimit"
	"github.com/seed1f3c5038/mw/recovery"
	"github.com/seed1f3c5038/mw/timeout"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))

	writes, err := ratelimit.New("10-M", ratelimit.WithName("notes-write"))
	if err != nil {
		log.Fatal(err)
	}
	defer writes.Close()

	base := mw.New(logging.New(logger), recovery.New(recovery.WithLogger(logger)), timeout.New(3*time.Second))

	notes := methodrouter.New().
		Get(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "all the notes") }).
		Post(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintln(w, "created")
		}, writes.Middleware) // only POST is throttled

	mux := http.NewServeMux()
	mux.Handle("/notes", base.Then(notes))
	mux.Handle("GET /hello/{name}", base.ThenFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %s\n", r.PathValue("name"))
	}))

	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	logger.Info("listening", "url", "http://"+*addr)
	log.Fatal(srv.ListenAndServe())
}
