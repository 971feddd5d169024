package bench

import (
	"io"
	"log"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"

	"github.com/seed1f3c5038/mw"
	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/methodrouter"
	"github.com/seed1f3c5038/mw/ratelimit"
	"github.com/seed1f3c5038/mw/recovery"
)

// The full stacks compared in BENCHMARKS.md, shared by the in-process
// benchmark and cmd/stackserver (the wrk run). Both log JSON-ish lines to
// io.Discard, recover panics, put a 5 s deadline on the handler, limit by
// IP to a rate no benchmark reaches, and answer GET on one resource.

// StackRate is high enough that no benchmark is ever denied.
const StackRate = 1_000_000_000

// Hello is the handler every stack serves.
var Hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("hello, world\n"))
})

// OurStack is logging (JSON) + recovery + ratelimit (memory) + a deadline +
// methodrouter. deadline is timeout.Context, the equivalent of chi's Timeout
// (a context deadline only), or timeout.New (a goroutine that answers at the
// deadline, which chi has no equivalent of). close releases the limiter.
func OurStack(out io.Writer, h http.HandlerFunc, deadline func(time.Duration) func(http.Handler) http.Handler) (handler http.Handler, close func()) {
	limiter, err := ratelimit.New("1000000000-S")
	if err != nil {
		panic(err)
	}
	logger := slog.New(slog.NewJSONHandler(out, nil))
	chain := mw.New(
		logging.New(logger),
		recovery.New(recovery.WithLogger(logger)),
		limiter.Middleware,
		deadline(5*time.Second),
	)
	return chain.Then(methodrouter.New().Get(h)), func() { limiter.Close() }
}

// ChiStack is the equivalent stack people build with chi's middleware
// package and go-chi/httprate, with chi's ServeMux-free method check.
func ChiStack(out io.Writer, h http.HandlerFunc) http.Handler {
	logger := middleware.RequestLogger(&middleware.DefaultLogFormatter{Logger: log.New(out, "", log.LstdFlags), NoColor: true})
	mux := http.NewServeMux()
	mux.Handle("GET /", h)
	var handler http.Handler = mux
	for _, m := range []func(http.Handler) http.Handler{
		middleware.Timeout(5 * time.Second),
		//lint:ignore SA1019 the issue compares against what people run today
		httprate.LimitByIP(StackRate, time.Second),
		middleware.Recoverer,
		logger,
		//lint:ignore SA1019 the issue compares against what people run today
		middleware.RealIP,
		middleware.RequestID,
	} {
		handler = m(handler)
	}
	return handler
}
