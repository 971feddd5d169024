package mw_test

// This file pins the public API to shared/API.md, the contract that users
// and outside tests compile against: it stops compiling if a name or a
// signature there changes.

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/ulule/limiter/v3"

	"github.com/seed1f3c5038/mw"
	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/methodrouter"
	"github.com/seed1f3c5038/mw/ratelimit"
	"github.com/seed1f3c5038/mw/recovery"
	"github.com/seed1f3c5038/mw/timeout"
)

type middleware = func(http.Handler) http.Handler

var (
	// mw
	_ mw.Middleware                                 = func(h http.Handler) http.Handler { return h }
	_ func(...mw.Middleware) mw.Chain               = mw.New
	_ func(mw.Chain, ...mw.Middleware) mw.Chain     = mw.Chain.Append
	_ func(mw.Chain, mw.Chain) mw.Chain             = mw.Chain.Extend
	_ func(mw.Chain, http.Handler) http.Handler     = mw.Chain.Then
	_ func(mw.Chain, http.HandlerFunc) http.Handler = mw.Chain.ThenFunc

	// methodrouter
	_ func() *methodrouter.Router                                                          = methodrouter.New
	_ func(*methodrouter.Router, string, http.Handler, ...middleware) *methodrouter.Router = (*methodrouter.Router).Handle
	_ func(*methodrouter.Router, http.HandlerFunc, ...middleware) *methodrouter.Router     = (*methodrouter.Router).Get
	_ func(*methodrouter.Router, http.HandlerFunc, ...middleware) *methodrouter.Router     = (*methodrouter.Router).Head
	_ func(*methodrouter.Router, http.HandlerFunc, ...middleware) *methodrouter.Router     = (*methodrouter.Router).Post
	_ func(*methodrouter.Router, http.HandlerFunc, ...middleware) *methodrouter.Router     = (*methodrouter.Router).Put
	_ func(*methodrouter.Router, http.HandlerFunc, ...middleware) *methodrouter.Router     = (*methodrouter.Router).Patch
	_ func(*methodrouter.Router, http.HandlerFunc, ...middleware) *methodrouter.Router     = (*methodrouter.Router).Delete
	_ func(*methodrouter.Router, http.HandlerFunc, ...middleware) *methodrouter.Router     = (*methodrouter.Router).Options
	_ func(*methodrouter.Router, ...middleware) *methodrouter.Router                       = (*methodrouter.Router).Use
	_ func(*methodrouter.Router, http.Handler) *methodrouter.Router                        = (*methodrouter.Router).NotAllowed
	_ func(*methodrouter.Router) []string                                                  = (*methodrouter.Router).Allowed
	_ http.Handler                                                                         = (*methodrouter.Router)(nil)
	_ func(any, ...middleware) *methodrouter.Router                                        = methodrouter.View
	_ func(http.Handler) http.Handler                                                      = methodrouter.MethodOverride
	_ interface {
		Get(http.ResponseWriter, *http.Request)
	} = methodrouter.Getter(nil)
	_ interface {
		Head(http.ResponseWriter, *http.Request)
	} = methodrouter.HeadHandler(nil)
	_ interface {
		Post(http.ResponseWriter, *http.Request)
	} = methodrouter.Poster(nil)
	_ interface {
		Put(http.ResponseWriter, *http.Request)
	} = methodrouter.Putter(nil)
	_ interface {
		Patch(http.ResponseWriter, *http.Request)
	} = methodrouter.Patcher(nil)
	_ interface {
		Delete(http.ResponseWriter, *http.Request)
	} = methodrouter.Deleter(nil)
	_ interface {
		Options(http.ResponseWriter, *http.Request)
	} = methodrouter.Optioner(nil)
	_ interface {
		Dispatch(w http.ResponseWriter, r *http.Request, next http.Handler)
	} = methodrouter.Dispatcher(nil)

	// ratelimit
	_ func(string, ...ratelimit.Option) (*ratelimit.Limiter, error)               = ratelimit.New
	_ func(*ratelimit.Limiter, http.Handler) http.Handler                         = (*ratelimit.Limiter).Middleware
	_ func(*ratelimit.Limiter, context.Context, string) (ratelimit.Result, error) = (*ratelimit.Limiter).Allow
	_ func(*ratelimit.Limiter, context.Context, string) error                     = (*ratelimit.Limiter).Reset
	_ func(*ratelimit.Limiter) error                                              = (*ratelimit.Limiter).Close
	_ func(ratelimit.Result) time.Duration                                        = ratelimit.Result.RetryAfter
	_ func(context.Context) (ratelimit.Result, bool)                              = ratelimit.FromContext
	_ ratelimit.KeyFunc                                                           = func(*http.Request) string { return "" }
	_                                                                             = ratelimit.Result{Limit: 1, Remaining: 1, Reset: time.Time{}, Allowed: true}
	_                                                                             = [...]ratelimit.HeaderStyle{ratelimit.XRateLimit, ratelimit.IETF, ratelimit.Both, ratelimit.NoHeaders}
	_                                                                             = [...]ratelimit.FailurePolicy{ratelimit.FallbackLocal, ratelimit.FailOpen, ratelimit.FailClosed}
	_ func(string) ratelimit.Option                                               = ratelimit.WithName
	_ func(ratelimit.KeyFunc) ratelimit.Option                                    = ratelimit.WithKey
	_ func(...string) ratelimit.Option                                            = ratelimit.WithTrustedProxies
	_ func(string) ratelimit.Option                                               = ratelimit.WithClientIPHeader
	_ func(int) ratelimit.Option                                                  = ratelimit.WithIPv6Prefix
	_ func(limiter.Store) ratelimit.Option                                        = ratelimit.WithStore
	_ func(redis.UniversalClient) ratelimit.Option                                = ratelimit.WithRedis
	_ func(time.Duration) ratelimit.Option                                        = ratelimit.WithStoreTimeout
	_ func(ratelimit.FailurePolicy) ratelimit.Option                              = ratelimit.WithFailure
	_ func(func(r *http.Request, err error)) ratelimit.Option                     = ratelimit.WithOnError
	_ func(func(r *http.Request) bool) ratelimit.Option                           = ratelimit.WithSkip
	_ func(func(r *http.Request) int64) ratelimit.Option                          = ratelimit.WithCost
	_ func(ratelimit.HeaderStyle) ratelimit.Option                                = ratelimit.WithHeaders
	_ func(http.Handler) ratelimit.Option                                         = ratelimit.WithDenyHandler
	_ func(bool) ratelimit.Option                                                 = ratelimit.WithDryRun

	// logging
	_ func(*slog.Logger, ...logging.Option) func(http.Handler) http.Handler = logging.New
	_ func(context.Context) string                                          = logging.RequestID
	_ func(context.Context) *slog.Logger                                    = logging.Logger
	_ func(func(status int) slog.Level) logging.Option                      = logging.WithLevels
	_ func(func(r *http.Request) bool) logging.Option                       = logging.WithSkip
	_ func(string) logging.Option                                           = logging.WithRequestIDHeader
	_ func(...string) logging.Option                                        = logging.WithRedactedQuery
	_ func(...string) logging.Option                                        = logging.WithRequestHeaders
	_ func(io.Writer) func(http.Handler) http.Handler                       = logging.CombinedLog

	// recovery
	_ func(...recovery.Option) func(http.Handler) http.Handler                  = recovery.New
	_ func(*slog.Logger) recovery.Option                                        = recovery.WithLogger
	_ func(func(w http.ResponseWriter, r *http.Request, v any)) recovery.Option = recovery.WithResponder
	_ func(bool) recovery.Option                                                = recovery.WithStack

	// timeout
	_ func(time.Duration, ...timeout.Option) func(http.Handler) http.Handler = timeout.New
	_ func(int) timeout.Option                                               = timeout.WithStatus
	_ func(http.Handler) timeout.Option                                      = timeout.WithHandler
	_ error                                                                  = timeout.ErrTimeout
	_ func(time.Duration) func(http.Handler) http.Handler                    = timeout.Context
)

// The option types are the documented func(*config) shapes.
var (
	_ = ratelimit.Option(nil)
	_ = logging.Option(nil)
	_ = recovery.Option(nil)
	_ = timeout.Option(nil)
)

func TestAPICompiles(t *testing.T) {}
