package otelmw

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/seed1f3c5038/mw/concurrency"
	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/ratelimit"
)

// ScopeName is the instrumentation scope of the Meter that New takes from
// its MeterProvider (otel_scope_name in Prometheus).
const ScopeName = "github.com/seed1f3c5038/mw/otelmw"

// Metrics makes the options that record each middleware's decisions with
// the instruments of one Meter. It is safe for concurrent use; one Metrics
// serves any number of middlewares, told apart by the name given to
// RateLimit and Concurrency.
type Metrics struct {
	meter metric.Meter

	decisions   metric.Int64Counter
	storeErrors metric.Int64Counter
	degraded    metric.Int64ObservableGauge
	expired     metric.Int64Counter
	panics      metric.Int64Counter
	rejected    metric.Int64Counter
	limit       metric.Int64ObservableGauge
	inFlight    metric.Int64ObservableGauge
}

// New creates the instruments (see the package documentation) with a Meter
// from mp. A nil mp is an error rather than a silent fall-back to
// OpenTelemetry's global provider: pass otel.GetMeterProvider() to use that
// one on purpose.
func New(mp metric.MeterProvider) (*Metrics, error) {
	if mp == nil {
		return nil, errors.New("otelmw: New(nil): need a metric.MeterProvider (otel.GetMeterProvider() for the global one)")
	}
	// No units: the counts are of requests, errors or panics, as the names
	// say, and a unit annotation such as {request} would only lengthen the
	// Prometheus names some exporter versions derive from it.
	m := &Metrics{meter: mp.Meter(ScopeName)}
	var err error
	counter := func(name, desc string) metric.Int64Counter {
		c, e := m.meter.Int64Counter(name, metric.WithDescription(desc))
		err = errors.Join(err, e)
		return c
	}
	gauge := func(name, desc string) metric.Int64ObservableGauge {
		g, e := m.meter.Int64ObservableGauge(name, metric.WithDescription(desc))
		err = errors.Join(err, e)
		return g
	}
	m.decisions = counter("mw.ratelimit.decisions", "Requests a rate limiter counted, by outcome.")
	m.storeErrors = counter("mw.ratelimit.store.errors", "Store failures a rate limiter reported (at most one a second per limiter).")
	m.degraded = gauge("mw.ratelimit.degraded", "1 while the rate limiter's store is considered down, else 0.")
	m.expired = counter("mw.timeout.expired", "Requests whose timeout expired, answered with the timeout response or aborted.")
	m.panics = counter("mw.recovery.panics", "Panics recovered, by whether the response had started.")
	m.rejected = counter("mw.concurrency.rejected", "Requests a concurrency limiter rejected, by reason.")
	m.limit = gauge("mw.concurrency.limit", "The concurrency limiter's limit now.")
	m.inFlight = gauge("mw.concurrency.in_flight", "Requests inside the handler now.")
	if err != nil {
		return nil, errors.Join(errors.New("otelmw: New: creating instruments"), err)
	}
	return m, nil
}

// attrs is one precomputed attribute set as Add's options, so a hook
// allocates nothing to say which limiter and outcome it counts (not even
// the variadic slice).
func attrs(kv ...attribute.KeyValue) []metric.AddOption {
	return []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(kv...))}
}

// RateLimit returns the options that name a ratelimit.Limiter and count
// its decisions: ratelimit.WithName(name), WithOnDecision adding one to
// mw.ratelimit.decisions{limiter=name, outcome=allowed|denied} per counted
// request, and WithOnError adding one to mw.ratelimit.store.errors for each
// store failure the Limiter reports (it reports at most one a second, so
// this counts seconds with failures, not failed calls; the recovery notice,
// ErrStoreRecovered, is not counted). Requests a failing store let through
// uncounted (FailOpen) or refused (FailClosed) are not decisions, as in
// WithOnDecision.
//
// A Limiter keeps one WithOnDecision and one WithOnError: give your own
// ones before these options, or they replace the metrics' ones. For a
// Limiter in dry run, use RateLimitDryRun, so that requests over the limit
// are counted as dry_run rather than denied. For the mw.ratelimit.degraded
// gauge, pass the Limiter to ObserveRateLimiter.
func (m *Metrics) RateLimit(name string) []ratelimit.Option {
	return m.rateLimit(name, false)
}

// RateLimitDryRun is RateLimit for a Limiter that never denies: it adds
// ratelimit.WithDryRun(true), and a request over the limit is counted with
// outcome=dry_run. The Limiter itself does not tell its hooks whether it
// is in dry run, which is why this is a method of its own.
func (m *Metrics) RateLimitDryRun(name string) []ratelimit.Option {
	return append(m.rateLimit(name, true), ratelimit.WithDryRun(true))
}

func (m *Metrics) rateLimit(name string, dryRun bool) []ratelimit.Option {
	lim := attribute.String("limiter", name)
	allowed := attrs(lim, attribute.String("outcome", "allowed"))
	over := attrs(lim, attribute.String("outcome", "denied"))
	if dryRun {
		over = attrs(lim, attribute.String("outcome", "dry_run"))
	}
	only := attrs(lim)
	return []ratelimit.Option{
		ratelimit.WithName(name),
		ratelimit.WithOnDecision(func(r *http.Request, res ratelimit.Result) {
			o := over
			if res.Allowed {
				o = allowed
			}
			m.decisions.Add(ctxOf(r), 1, o...)
		}),
		ratelimit.WithOnError(func(r *http.Request, err error) {
			if errors.Is(err, ratelimit.ErrStoreRecovered) {
				return
			}
			m.storeErrors.Add(ctxOf(r), 1, only...)
		}),
	}
}

// ctxOf is r's context, or Background when r is nil (ratelimit's Allow).
func ctxOf(r *http.Request) context.Context {
	if r == nil {
		return context.Background()
	}
	return r.Context()
}

// ObserveRateLimiter reports mw.ratelimit.degraded{limiter=l.Name()} for l
// at each collection: 1 while l.Degraded(), else 0 (always 0 for the
// in-memory store). Call Unregister on the result when l is retired, or the
// gauge keeps l reachable and reported.
func (m *Metrics) ObserveRateLimiter(l *ratelimit.Limiter) (metric.Registration, error) {
	if l == nil {
		return nil, errors.New("otelmw: ObserveRateLimiter(nil): need a *ratelimit.Limiter")
	}
	set := metric.WithAttributeSet(attribute.NewSet(attribute.String("limiter", l.Name())))
	return m.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		var v int64
		if l.Degraded() {
			v = 1
		}
		o.ObserveInt64(m.degraded, v, set)
		return nil
	}, m.degraded)
}

// Concurrency returns a concurrency.WithOnReject that adds one to
// mw.concurrency.rejected{limiter=name, reason} for each rejected request,
// reason being one of concurrency's Reason constants. WithOnReject hooks
// add up, so your own ones keep working beside it. For the
// mw.concurrency.limit and mw.concurrency.in_flight gauges, pass the
// Limiter to ObserveConcurrency with the same name.
func (m *Metrics) Concurrency(name string) []concurrency.Option {
	lim := attribute.String("limiter", name)
	known := map[string][]metric.AddOption{}
	for _, reason := range []string{concurrency.ReasonLimit, concurrency.ReasonQueueFull, concurrency.ReasonQueueTimeout, concurrency.ReasonKey} {
		known[reason] = attrs(lim, attribute.String("reason", reason))
	}
	return []concurrency.Option{
		concurrency.WithOnReject(func(r *http.Request, reason string) {
			o, ok := known[reason] // read only: safe for concurrent use
			if !ok {
				o = attrs(lim, attribute.String("reason", reason))
			}
			m.rejected.Add(r.Context(), 1, o...)
		}),
	}
}

// ObserveConcurrency reports mw.concurrency.limit and
// mw.concurrency.in_flight{limiter=name} for l at each collection, from
// l.Limit() and l.InFlight(). A concurrency.Limiter has no name of its own:
// give the one given to Concurrency. Call Unregister on the result when l
// is retired.
func (m *Metrics) ObserveConcurrency(name string, l *concurrency.Limiter) (metric.Registration, error) {
	if l == nil {
		return nil, errors.New("otelmw: ObserveConcurrency(" + name + ", nil): need a *concurrency.Limiter")
	}
	set := metric.WithAttributeSet(attribute.NewSet(attribute.String("limiter", name)))
	return m.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveInt64(m.limit, int64(l.Limit()), set)
		o.ObserveInt64(m.inFlight, int64(l.InFlight()), set)
		return nil
	}, m.limit, m.inFlight)
}

// LogAttrs returns a logging.WithAttrs that adds trace_id and span_id (hex,
// as OpenTelemetry writes them) from the span in the request's context, and
// nothing when there is no valid span context. As WithAttrs says, the span
// must be started by a middleware outside logging (otelhttp's handler
// around it, say). It uses no instrument: any Metrics, even one whose
// provider drops everything, gives the same option.
func (m *Metrics) LogAttrs() logging.Option {
	return logging.WithAttrs(traceAttrs)
}

func traceAttrs(r *http.Request) []slog.Attr {
	sc := trace.SpanContextFromContext(r.Context())
	if !sc.IsValid() {
		return nil
	}
	return []slog.Attr{
		slog.String("trace_id", sc.TraceID().String()),
		slog.String("span_id", sc.SpanID().String()),
	}
}
