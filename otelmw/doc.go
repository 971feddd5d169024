// Package otelmw records what mw's middlewares decide as OpenTelemetry
// metrics, and puts the request's trace and span IDs in logging's records.
//
//	m, err := otelmw.New(meterProvider)
//	lim, err := ratelimit.New("100-M", m.RateLimit("api")...)
//	reg, err := m.ObserveRateLimiter(lim) // the mw.ratelimit.degraded gauge
//	conc, err := concurrency.New(append(m.Concurrency("api"), concurrency.WithLimit(64))...)
//	reg, err = m.ObserveConcurrency("api", conc) // limit and in_flight gauges
//	log := logging.New(logger, m.LogAttrs())     // trace_id, span_id
//
// A rate limiter in dry run takes m.RateLimitDryRun(name) instead, so that
// requests over the limit are counted as dry_run, not denied. New(nil) is
// an error: no global provider is used behind your back.
//
// Every measurement comes from the middlewares' own hooks (WithOnDecision,
// WithOnError, WithOnReject, ...), given only where you ask for them: a
// middleware built without these options pays nothing. The gauges need the
// middleware itself, which an Option cannot reach, so they are registered
// with ObserveRateLimiter and ObserveConcurrency once the middleware exists,
// and read only when the MeterProvider collects.
//
// The instruments (attributes in braces):
//
//	mw.ratelimit.decisions     counter  {limiter, outcome = allowed | denied | dry_run}
//	mw.ratelimit.store.errors  counter  {limiter}
//	mw.ratelimit.degraded      gauge    {limiter}  1 while the store is considered down, else 0
//	mw.timeout.expired         counter  {outcome = answered | aborted}
//	mw.recovery.panics         counter  {aborted}
//	mw.concurrency.rejected    counter  {limiter, reason}
//	mw.concurrency.limit       gauge    {limiter}
//	mw.concurrency.in_flight   gauge    {limiter}
//
// This is a module of its own, so that OpenTelemetry enters the go.mod only
// of those who import it.
package otelmw
