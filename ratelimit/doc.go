// Package ratelimit is a throttle that runs before the handler: an
// over-limit request is answered 429 by the middleware and never reaches
// business code, as Django REST framework checks throttles in initial(),
// before the method handler. Counting is github.com/ulule/limiter/v3's.
//
//	l, err := ratelimit.New("10-S, 1000-H", ratelimit.WithTrustedProxies("10.0.0.0/8"))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer l.Close()
//	http.ListenAndServe(":8080", l.Middleware(api))
//
// # Algorithm
//
// Each rate ("100-M") is a fixed window, ulule's: a client's counter starts
// at its first request and expires one period later; while it lives, at most
// Limit requests pass. Windows are per client, not aligned to the clock. A
// fixed window lets a burst of up to twice the limit through around a
// window's edge (Limit requests at the end of one window, Limit more at the
// start of the next); add a shorter window ("10-S, 1000-H") to bound bursts.
//
// With several rates, every window is enforced and a request passes only if
// it fits in all of them. A denied request counts in no window: what it added
// is taken back, so a client hammering through its per-second limit does not
// spend its hourly budget on requests it never got, and a denied weighted
// request (WithCost) does not block cheaper ones that still fit. Allowed
// requests are never taken back, so exactly Limit requests pass per window
// however many race. Result and the headers describe the window with the
// fewest requests remaining; Retry-After on a 429 is the longest wait among
// the exceeded windows, in whole seconds rounded up, at least 1.
//
// # Keys
//
// A request's client key is WithKey's answer, or its client IP when that is
// "" or unset: the TCP peer, unless the peer is in WithTrustedProxies, in
// which case the one header named by WithClientIPHeader is walked from the
// right past trusted hops (see WithTrustedProxies). IPv4 clients are keyed by
// address ("192.0.2.1"), IPv6 clients by their prefix ("2001:db8::/64",
// WithIPv6Prefix). Store keys are
//
//	<prefix>:<name>:<window>:<client key>
//
// for example "ratelimit:api:60s:192.0.2.1", where prefix is "ratelimit"
// with WithRedis (a store given to WithStore uses its own prefix), name is
// WithName's ("default"), and window is the period in seconds. Each window
// has its own key, so in a Redis Cluster every script touches one slot. The
// private in-memory store, which nobody else reads, keeps keys short instead:
// the window's index, then the client key.
//
// # Stores and background work
//
// Without WithStore or WithRedis a Limiter counts in its own in-memory store
// (ulule's memory cache). A goroutine deletes expired keys every 10 s to 1
// minute (the shortest window, within those bounds), so memory follows the
// number of active clients (about 190 bytes each); it stops on Close, or when
// the Limiter becomes unreachable. Under FallbackLocal a Redis limiter has
// such a store too, for when Redis fails.
//
// With WithRedis, instances sharing one Redis and one name enforce one limit
// together. Each request costs one round trip per window (ulule's script:
// INCRBY, and PEXPIRE on a key's first hit). A client the store has found
// over its limit is then refused from a small local cache (10,000 clients at
// most) until its exceeded windows reset, without a round trip. New does not
// contact Redis: ulule's scripts are loaded on first use and again after a
// Redis restart or SCRIPT FLUSH. ulule's stores report a window's reset in
// whole seconds, so over Redis (or WithStore) X-RateLimit-Reset, Result.Reset
// and Retry-After are rounded up to the next second; the deny cache rounds
// down, so it never outlives a window. If Redis fails or is slower than
// WithStoreTimeout, WithFailure decides; Redis is tried again at most once a
// second and used again as soon as it answers. Store calls are bounded by
// WithStoreTimeout even when the go-redis client does not set
// ContextTimeoutEnabled: the call then runs in a goroutine that is abandoned
// at the deadline and ends when go-redis gives up (its ReadTimeout). Set
// ContextTimeoutEnabled on the client to avoid that goroutine.
//
// # Headers
//
// By default responses carry X-RateLimit-Limit, X-RateLimit-Remaining and
// X-RateLimit-Reset (Unix seconds). WithHeaders(IETF) sends the fields of
// draft-ietf-httpapi-ratelimit-headers-10 instead: RateLimit-Policy, one
// item per window (`"default";q=100;w=60`; with several windows the policy
// names are "<name>-<window>"), and RateLimit for the tightest window
// (`"default";r=50;t=30`, t in seconds until its reset). Headers are Set,
// never Added, so stacked limiters do not duplicate them; the innermost
// limiter's values win.
//
// Nothing is logged: store failures go to WithOnError, over-limit requests
// to WithOnLimited.
package ratelimit
