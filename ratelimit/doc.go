// Package ratelimit is a throttle that runs before the handler: an
// over-limit request is answered 429 by the middleware and never reaches
// business code, as Django REST framework checks throttles in initial(),
// before the method handler. Rates are written as ulule/limiter's ("100-M")
// or DRF's ("100/min"), parsed by ulule where they are ulule's.
//
//	l, err := ratelimit.New("10/s, 1000/hour", ratelimit.WithTrustedProxies("10.0.0.0/8"))
//	if err != nil {
//		log.Fatal(err)
//	}
//	http.ListenAndServe(":8080", l.Middleware(api))
//
// # Algorithm: fixed or sliding windows, decided atomically
//
// Each rate is a window per client. A client's windows start with its
// first request (its epoch) and are aligned on it: a window of period p
// spans [epoch+k*p, epoch+(k+1)*p). The periods (second, minute, hour, day)
// each divide the longer ones, so the shorter windows tile the longest.
//
// By default (FixedWindow, ulule's algorithm) at most Limit requests pass
// in a window, and at its edge the count starts again from zero: when the
// longest window ends, the client's next request starts a new epoch. So a
// fixed window lets up to twice the limit through around an edge (Limit at
// the end of one window, Limit at the start of the next).
//
// WithAlgorithm(SlidingWindow) closes that gap with the sliding window
// counter (httprate's and Cloudflare's): a window's count is its own plus
// the previous window's, weighted by how much of it a window of one period
// ending now still overlaps, rounded down. Ten requests at the end of a
// "10/s" window leave room for one or two just after its edge, not ten;
// the budget comes back gradually through the next second. It assumes the
// previous window's requests were evenly spread, so it is an estimate of
// a true sliding log (DRF's), within one request of it for steady traffic,
// at the cost of one more count per window. A client's epoch then lasts as
// long as it keeps coming, and it is forgotten one longest period after
// its last window ends.
//
// Reset (X-RateLimit-Reset, Result.Reset, the IETF t) is, for a window
// with room for one more request, when its current window ends; for a full
// window, when one more request of cost 1 will fit, which is the
// Retry-After of a denied request: under FixedWindow the window's end,
// under SlidingWindow often much sooner.
//
// A request is one decision over all windows, atomic per client: its cost
// (1, or WithCost's) is added to every window if each has room for it, and
// to none otherwise. A denied request adds nothing anywhere, so there is
// nothing to take back: a client hammering through its per-second limit
// does not spend its hourly budget on requests it never got, a client is
// refused only by a window that really is full, and no window ever passes
// more than its limit, however many requests race, on however many
// instances share Redis. Result and the X-RateLimit fields describe the
// window with the fewest requests remaining; a denied request is described
// by the exceeded window that ends last, and Retry-After is that wait, in
// whole seconds rounded up, at least 1.
//
// # Charging by outcome
//
// WithRefund takes a request back after the handler returned when its
// status is one the function accepts, so that a login endpoint counts only
// its failures:
//
//	ratelimit.WithRefund(func(_ *http.Request, status int) bool { return status < 400 })
//
// The refund is atomic over all windows and reaches only the windows the
// request was counted in: the decision records each window's identity (its
// end, on the store's clock), and a window that has ended since is left
// alone, so a refund never lends budget to the next window. The headers of
// the response were set before the handler ran and describe the state
// before the refund. With Redis a refund is one more EVALSHA, of a second
// small script on the same hash. WithStore cannot refund (New says so).
//
// (*Limiter).Charge adds what a request really cost, from inside the
// handler once it is known (tokens an upstream model used): to every
// current window of the key the request was counted under, never denying
// it, so later requests see the charge. With Redis it is one round trip
// (the decision's script, told to add whatever the limits).
//
// # Keys
//
// A request's client key is WithKey's answer, or its client IP when that is
// "" or unset: the TCP peer, unless the peer is in WithTrustedProxies, in
// which case the one header named by WithClientIPHeader is walked from the
// right past trusted hops (see WithTrustedProxies): no client can choose
// its key. Without WithTrustedProxies of its own, a Limiter behind package
// clientip's middleware keys by the address clientip resolved. IPv4 clients are keyed by address ("192.0.2.1"), IPv6 clients by
// their prefix ("2001:db8::/64", WithIPv6Prefix).
//
// # Stores
//
// Without WithStore or WithRedis a Limiter counts in its own memory: one
// entry per client holding all its windows, in 64 independently locked
// shards, timed by the monotonic clock (a wall clock step neither ends nor
// stretches a window). It holds at most WithMaxKeys clients (about a
// million by default, under 200 MB; each takes about 150 to 200 bytes): a
// new client then displaces an expired one, or else the one whose windows
// started longest ago, so memory stays flat whatever number of addresses
// arrives. Expired clients are removed by the requests that come by, so
// there is no background goroutine, and Close has nothing to stop.
//
// With WithRedis, instances sharing one Redis and one name enforce one limit
// together. A request is one round trip: one EVALSHA of a Lua script that
// reads every window of the client and adds the cost to all or none. A
// client is one Redis string,
//
//	ratelimit:{<name>:<client key>}
//
// for example "ratelimit:{api:192.0.2.1}", holding 2+3n big-endian
// float64s for a limiter of n windows (40 bytes for one): the client's
// epoch and the key's expiry (Unix milliseconds on Redis's clock), then per
// window (shortest period first) the index k of its current window, that
// window's count and window k-1's count. It expires when none of its
// counts matters any more (see the algorithm above). Its braces are a Redis
// Cluster hash tag: everything of one client is in one slot, and clients
// spread over the masters. It needs Redis 6.2 or later. New does not
// contact Redis: the script is sent on first use (EVALSHA answered
// NOSCRIPT, then EVAL), and again after a restart or SCRIPT FLUSH.
//
// WithStore takes any ulule limiter.Store. A Store decides one key at a
// time, so the windows are handled in turn (peek all, then increment all)
// and the decision is not atomic across them: a request that loses a race
// is denied but may stay counted in some windows. Its keys are
// "<name>:<period>s:<client key>" plus the store's prefix, and each window
// starts at its own key's first hit.
//
// # When the store fails
//
// Every call to Redis (or a WithStore store) is bounded by
// WithStoreTimeout. A call that fails or runs out of time has its request
// decided by WithFailure's policy (by default FallbackLocal: in memory, at
// limit/WithInstances per window), and is reported to WithOnError, at most
// once a second, with an error naming the limiter and wrapping the store's
// own. One slow call is not an outage: the store is considered down
// (Degraded) only once half of its last 32 calls failed. While down, every
// request gets the policy, and one request a second tries the store; the
// first that succeeds ends the outage, so a Limiter is back on Redis within
// about a second of its recovery. go-redis clients that do not set
// ContextTimeoutEnabled are bounded by a goroutine that is abandoned at the
// deadline and ends when go-redis gives up (its ReadTimeout).
//
// # Headers
//
// By default responses carry X-RateLimit-Limit, X-RateLimit-Remaining and
// X-RateLimit-Reset (Unix seconds, rounded up). WithHeaders(IETF) sends the
// fields of draft-ietf-httpapi-ratelimit-headers-10 instead:
// RateLimit-Policy and RateLimit, each with one item per window
// (`"default";q=100;w=60` and `"default";r=50;t=30`; with several windows
// the items are named "<name>-<period>s"). Headers are Set, never Added, so
// stacked limiters do not duplicate them; the innermost limiter's values
// win. The default 429 body is RFC 9457 problem details
// (application/problem+json, type quota-exceeded, with the violated
// policies) when the client's Accept prefers JSON, else one line of text.
//
// Nothing is logged by this package: store failures go to WithOnError,
// decisions to WithOnDecision, over-limit requests to WithOnLimited. Behind
// package logging's middleware, each counted request's access record gets a
// ratelimit group (name, limit, remaining, limited).
package ratelimit
