// Command api is mw's showcase: a small JSON API on a standard
// http.ServeMux with every mw middleware at work.
//
//	go run ./examples/api                  # in-memory throttles
//	go run ./examples/api -redis redis://127.0.0.1:6379/0
//
// Routes: /articles and /articles/{id} (methodrouter Views; POST is
// throttled per API key, else per IP), /slow (shows timeout, behind a
// concurrency limit), /panic
// (shows recovery), /stream (server-sent events through timeout), /healthz
// (skipped by logging and the throttles). Every route also goes through a
// global per-IP throttle.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed1f3c5038/mw"
	"github.com/seed1f3c5038/mw/concurrency"
	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/ratelimit"
	"github.com/seed1f3c5038/mw/recovery"
	"github.com/seed1f3c5038/mw/timeout"
)

type config struct {
	addr      string
	redisURL  string
	rate      string
	postRate  string
	timeout   time.Duration
	logFormat string
	logSchema string
}

func main() {
	var cfg config
	flag.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "address to listen on")
	flag.StringVar(&cfg.redisURL, "redis", "", "Redis URL for shared throttles, e.g. redis://127.0.0.1:6379/0 (default: in memory)")
	flag.StringVar(&cfg.rate, "rate", "100-M", "global per-IP rate, in ulule/limiter format")
	flag.StringVar(&cfg.postRate, "post-rate", "5-M", "rate for POST /articles, per API key or else per IP")
	flag.DurationVar(&cfg.timeout, "timeout", 2*time.Second, "per-request deadline")
	flag.StringVar(&cfg.logFormat, "log-format", "json", "access log format: json or text")
	flag.StringVar(&cfg.logSchema, "log-schema", "default", "access log field names: default, otel (OpenTelemetry) or ecs (Elastic)")
	flag.Parse()

	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

func run(cfg config) error {
	logger, err := newLogger(cfg.logFormat, os.Stdout)
	if err != nil {
		return err
	}
	handler, closeAll, err := newHandler(cfg, logger)
	if err != nil {
		return err
	}
	defer closeAll()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("listening", "url", "http://"+ln.Addr().String())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// logSchemas are the -log-schema values.
var logSchemas = map[string]logging.Schema{
	"default": logging.SchemaDefault,
	"otel":    logging.SchemaOTel,
	"ecs":     logging.SchemaECS,
}

func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("-log-format must be json or text, not %q", format)
}

// newHandler builds the mux and its middlewares. closeAll stops the
// limiters' background work and closes the Redis client.
func newHandler(cfg config, logger *slog.Logger) (http.Handler, func(), error) {
	schema, ok := logSchemas[cfg.logSchema]
	if !ok {
		return nil, nil, fmt.Errorf("-log-schema must be default, otel or ecs, not %q", cfg.logSchema)
	}
	var limiterOpts []ratelimit.Option
	var rdb *redis.Client
	if cfg.redisURL != "" {
		opt, err := redis.ParseURL(cfg.redisURL)
		if err != nil {
			return nil, nil, fmt.Errorf("-redis: %w", err)
		}
		rdb = redis.NewClient(opt)
		limiterOpts = append(limiterOpts, ratelimit.WithRedis(rdb), ratelimit.WithOnError(func(r *http.Request, err error) {
			logger.Warn("rate-limit store", "err", err)
		}))
	}
	isHealth := func(r *http.Request) bool { return r.URL.Path == "/healthz" }

	global, err := ratelimit.New(cfg.rate, append(limiterOpts,
		ratelimit.WithName("global"), ratelimit.WithSkip(isHealth))...)
	if err != nil {
		return nil, nil, fmt.Errorf("-rate: %w", err)
	}
	posts, err := ratelimit.New(cfg.postRate, append(limiterOpts,
		ratelimit.WithName("articles-post"), ratelimit.WithKey(apiKeyUser))...)
	if err != nil {
		global.Close()
		return nil, nil, fmt.Errorf("-post-rate: %w", err)
	}
	// /slow's work goes on after its deadline (it ignores its context), so
	// at most two run at once; two more may wait a quarter second for a
	// place, the rest get 503 with Retry-After at once.
	slowGate, err := concurrency.New(concurrency.WithLimit(2), concurrency.WithQueue(2, 250*time.Millisecond))
	if err != nil {
		global.Close()
		posts.Close()
		return nil, nil, err
	}
	closeAll := func() {
		global.Close()
		posts.Close()
		if rdb != nil {
			rdb.Close()
		}
	}

	// Recommended order: logging outside recovery outside the throttle,
	// the deadline around the handler only.
	stack := mw.New(
		logging.New(logger, logging.WithSkip(isHealth), logging.WithSchema(schema)),
		recovery.New(recovery.WithLogger(logger)),
		global.Middleware,
		timeout.New(cfg.timeout),
	)

	store := newArticleStore()
	mux := http.NewServeMux()
	// Each route gets the stack, so logging sees the mux's pattern (r.Pattern).
	mux.Handle("/articles", stack.Then(articlesView(store, posts)))
	mux.Handle("/articles/{id}", stack.Then(articleView(store)))
	mux.Handle("GET /slow", stack.Then(slowGate.Middleware(http.HandlerFunc(slow))))
	mux.Handle("GET /panic", stack.ThenFunc(panicky))
	mux.Handle("GET /stream", stack.ThenFunc(stream))
	mux.Handle("GET /healthz", stack.ThenFunc(healthz))
	return mux, closeAll, nil
}

// demoKeys stands in for an API-key table. Only a known key names a user:
// a client sending an unknown key is throttled by its IP, so nobody can
// spend another client's quota by guessing a key name.
var demoKeys = map[string]string{
	"demo-key-alice": "alice",
	"demo-key-bob":   "bob",
}

// apiKeyUser is DRF's UserRateThrottle: the user when known, else "" (the IP).
func apiKeyUser(r *http.Request) string {
	if user, ok := demoKeys[r.Header.Get("X-API-Key")]; ok {
		return "user:" + user
	}
	return ""
}
