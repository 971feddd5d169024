package mw_test

// The "Additions of 0.2" of shared/API.md, pinned like api_test.go pins 0.1.

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/seed1f3c5038/mw/clientip"
	"github.com/seed1f3c5038/mw/concurrency"
	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/methodrouter"
	"github.com/seed1f3c5038/mw/ratelimit"
	"github.com/seed1f3c5038/mw/recovery"
	"github.com/seed1f3c5038/mw/timeout"
)

var (
	// clientip
	_ func(...clientip.Option) (func(http.Handler) http.Handler, error) = clientip.New
	_ func(...string) clientip.Option                                   = clientip.WithTrustedProxies
	_ func(string) clientip.Option                                      = clientip.WithHeader
	_ func(context.Context) (netip.Addr, bool)                          = clientip.FromContext

	// logging: fitting every router, observability
	_ func(func(r *http.Request) string) logging.Option      = logging.WithRoute
	_ func(context.Context, ...slog.Attr)                    = logging.AddAttrs
	_ func(logging.Schema) logging.Option                    = logging.WithSchema
	_ func(func(r *http.Request) []slog.Attr) logging.Option = logging.WithAttrs
	_ func(float64, time.Duration) logging.Option            = logging.WithSampling
	_                                                        = [...]logging.Schema{logging.SchemaDefault, logging.SchemaOTel, logging.SchemaECS}

	// ratelimit at scale
	_ func(int) ratelimit.Option                                         = ratelimit.WithInstances
	_ func(*ratelimit.Limiter) string                                    = (*ratelimit.Limiter).Name
	_ func(*ratelimit.Limiter) bool                                      = (*ratelimit.Limiter).Degraded
	_ func(func(r *http.Request, res ratelimit.Result)) ratelimit.Option = ratelimit.WithOnDecision

	// ratelimit: charging by outcome
	_ func(func(r *http.Request, status int) bool) ratelimit.Option = ratelimit.WithRefund
	_ func(*ratelimit.Limiter, *http.Request, int64) error          = (*ratelimit.Limiter).Charge
	_ func(ratelimit.Algorithm) ratelimit.Option                    = ratelimit.WithAlgorithm
	_ [2]ratelimit.Algorithm                                        = [...]ratelimit.Algorithm{ratelimit.FixedWindow, ratelimit.SlidingWindow}
	_                                                               = [1]int{}[ratelimit.FixedWindow]   // FixedWindow is 0, the default
	_                                                               = [2]int{}[ratelimit.SlidingWindow] // SlidingWindow is 1

	// logging: batched writes to a file (issue "end to end")
	_ func(io.Writer, int, time.Duration) *logging.Buffered = logging.BufferedWriter
	_ io.WriteCloser                                        = (*logging.Buffered)(nil)
	_ func(*logging.Buffered) error                         = (*logging.Buffered).Flush

	// timeout: streams and every way a request can end; recovery's hook
	_ func(time.Duration) timeout.Option                               = timeout.WithIdle
	_ func(func(r *http.Request, started bool)) timeout.Option         = timeout.WithOnTimeout
	_ func(func(r *http.Request, v any, aborted bool)) recovery.Option = recovery.WithOnPanic

	// concurrency
	_ func(...concurrency.Option) (*concurrency.Limiter, error)     = concurrency.New
	_ func(*concurrency.Limiter, http.Handler) http.Handler         = (*concurrency.Limiter).Middleware
	_ func(*concurrency.Limiter) int                                = (*concurrency.Limiter).Limit
	_ func(*concurrency.Limiter) int                                = (*concurrency.Limiter).InFlight
	_ func(int) concurrency.Option                                  = concurrency.WithLimit
	_ func(int, int) concurrency.Option                             = concurrency.WithAdaptive
	_ func(int, time.Duration) concurrency.Option                   = concurrency.WithQueue
	_ func(func(r *http.Request) string, int) concurrency.Option    = concurrency.WithKey
	_ func(func(r *http.Request) int) concurrency.Option            = concurrency.WithPriority
	_ func(http.Handler) concurrency.Option                         = concurrency.WithRejectHandler
	_ func(func(r *http.Request, reason string)) concurrency.Option = concurrency.WithOnReject

	// methodrouter: a whole ServeMux, views made per request
	_ func(*http.ServeMux) *methodrouter.ServeMux                                    = methodrouter.WrapMux
	_ func(*methodrouter.ServeMux, http.Handler) *methodrouter.ServeMux              = (*methodrouter.ServeMux).NotFound
	_ func(*methodrouter.ServeMux, http.Handler) *methodrouter.ServeMux              = (*methodrouter.ServeMux).NotAllowed
	_ func(*methodrouter.ServeMux, http.ResponseWriter, *http.Request)               = (*methodrouter.ServeMux).ServeHTTP
	_ func(func() *apiView, ...func(http.Handler) http.Handler) *methodrouter.Router = methodrouter.ViewOf[*apiView]
)

type apiView struct{}

func (*apiView) Get(http.ResponseWriter, *http.Request) {}
