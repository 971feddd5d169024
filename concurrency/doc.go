// Package concurrency protects a server from more work than it can do: it
// bounds how many requests are inside the handler at once and sheds the
// rest before any expensive work runs, so that the requests it admits stay
// fast. A rate limit protects against one client; this protects the server
// when the sum of all clients is too much.
//
//	l, err := concurrency.New() // adaptive, 1..1000
//	if err != nil {
//		log.Fatal(err)
//	}
//	http.ListenAndServe(":8080", l.Middleware(api))
//
// A rejected request gets 503 with Retry-After (see Limiter.Middleware) and
// never reaches the handler.
//
// # The adaptive limit
//
// With WithAdaptive (the default) the limit follows measured latency, by a
// gradient rule after Netflix concurrency-limits' Gradient2, itself after
// TCP Vegas: when more requests are let in than the backend can serve at
// once, the extra ones queue somewhere behind the limit and latency grows
// in proportion; while the limit is below that point, latency does not
// grow. So the limit is moved by the ratio of a long-term latency (the
// baseline) to the latency just measured.
//
// Latency is each admitted request's time in the handler (not its time in
// our queue). Samples are gathered in windows of at least 100 ms and 5
// requests; at the end of each, with short the window's mean latency:
//
//	gradient = clamp(1.5 * baseline / short, 0.5, 1)
//	if gradient < 1:  limit += 0.5 * (limit*gradient + 1 - limit)
//	else:             limit += sqrt(limit)  (doubles instead, at first)
//
// Latency up to 1.5 times the baseline is taken as normal; past it the
// limit falls, at most by about a quarter per window, towards the point
// where latency is back within 1.5 times the baseline, plus one place to
// keep probing upwards. While latency is normal and at least half the
// places are used, the limit grows by sqrt(limit) per window. It starts at
// min and doubles every window until latency first rises (like TCP slow
// start), so a server started under load sheds for about a second while it
// learns.
//
// No "no-load" latency is configured: the baseline is learnt. It starts as
// the first window's mean, taken at the lowest concurrency (the limit
// starts at min), and follows lower window means down (weight 0.05 per
// window), but never higher ones: latency above the baseline may be
// queueing, caused by a limit that is too high (ours, or the backend's own
// queue while ours does not bind yet), and must not become the new normal.
// Gradient2 lets its long-term average follow the short one up, and so
// drifts upwards under sustained overload. Here, under overload the limit
// settles where latency is about 1.5 times the unloaded latency, and stays
// there.
//
// Latency that does not come from queueing (a dependency became slower)
// would then shrink the limit for nothing, so the baseline has one way up:
// such latency stays up while the limit falls. Once the limit is half the
// most requests that were in flight since latency first went over
// tolerance, and the requests admitted after that still take at least 0.8
// of the worst latency since then, their latency becomes the baseline. The
// limit never drops to min to measure the unloaded latency again (Envoy's
// adaptive concurrency filter does so periodically, answering 503 during
// each dip): the baseline is only moved by what the limit's own changes
// show.
//
// Only every n-th request is timed, n chosen each window for about 64
// timed requests per window (every request below about 640 a second),
// because reading the clock twice per request can cost more than all the
// rest of the limiter's work.
//
// A fixed limit (WithLimit) is simpler and exact when the capacity is known.
//
// # The queue
//
// With WithQueue, requests over the limit wait for a place, at most
// maxWait. A place goes to the highest priority (WithPriority), and within
// a priority to the oldest request (FIFO) while the queue is merely
// absorbing a burst. Under sustained overload the queue is served
// differently, after Facebook's "adaptive LIFO" with CoDel (Maurer, "Fail
// at Scale", ACM Queue 2015; Nichols and Jacobson, RFC 8289): once the queue
// has not been empty for 100 ms (CoDel's interval), the newest request is
// served first, since it is the one most likely to still be wanted, and
// requests queued for 5 ms (CoDel's target) or more are shed with
// "queue-timeout"; a full queue then sheds its oldest request of the lowest
// priority to make room. The queue goes back to FIFO as soon as it empties.
// Requests waiting in the queue use no goroutine of their own: each waits
// in its own request's goroutine, and leaves the queue at once when its
// client goes away.
//
// # Keys
//
// WithKey limits each key (by default the client's IP address) to perKey
// requests in flight or queued, so that one client cannot take every place.
package concurrency
