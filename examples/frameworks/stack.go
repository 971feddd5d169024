package frameworks

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/seed1f3c5038/mw"
	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/ratelimit"
	"github.com/seed1f3c5038/mw/recovery"
	"github.com/seed1f3c5038/mw/timeout"
)

// recipe:stack
// Stack is the recommended order: logging outermost (it sees the final
// status of everything inside), recovery just inside it, the limiter before
// any work (a denied request never reaches the handler), the deadline last.
func Stack(logger *slog.Logger, limiter *ratelimit.Limiter, opts ...logging.Option) mw.Chain {
	return mw.New(
		logging.New(logger, opts...),
		recovery.New(recovery.WithLogger(logger)),
		limiter.Middleware,
		timeout.New(10*time.Second),
	)
}

// recipe:end

// Articles is the toy application every recipe serves. It counts the
// requests that reached it, so tests can tell that a denied request did not.
type Articles struct{ served atomic.Int64 }

// Get answers a read of article id.
func (a *Articles) Get(id string) string {
	a.served.Add(1)
	return "article " + id + "\n"
}

// Create answers a new article.
func (a *Articles) Create() string {
	a.served.Add(1)
	return "created\n"
}

// Served is how many requests reached the application.
func (a *Articles) Served() int64 { return a.served.Load() }
