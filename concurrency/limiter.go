package concurrency

import (
	"context"
	"errors"
	"github.com/seed1f3c5038/mw/internal/reqlog"
	"net/http"
	"sync"
	"time"
)

// Limiter bounds how many requests are inside the handler at once. Create
// one with New; it is safe for concurrent use, and one Limiter may guard
// several handlers together (they share its places).
type Limiter struct {
	mu       sync.Mutex
	limit    int
	inFlight int
	q        queue
	keys     map[string]int // requests in flight or queued, per key; only with WithKey
	adapt    *gradient      // nil for a fixed limit

	cfg config // the options, validated by New and never changed after
}

// New returns a Limiter. Without options the limit is adaptive between 1
// and 1000 and there is no queue: a request over the limit is rejected at
// once. A bad value (a limit below 1, min > max, a negative queue size, a
// nil callback) is an error naming it.
func New(opts ...Option) (*Limiter, error) {
	var c config
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.fixed > 0 && c.adaptive {
		c.fail("WithLimit(%d) and WithAdaptive(%d, %d) both given: choose one", c.fixed, c.min, c.max)
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	l := &Limiter{
		cfg: c,
		q:   queue{interval: codelInterval, target: codelTarget},
	}
	if c.fixed > 0 {
		l.limit = c.fixed
	} else {
		if !c.adaptive {
			c.min, c.max = 1, 1000
		}
		l.adapt = newGradient(c.min, c.max)
		l.limit = l.adapt.limit()
	}
	if l.cfg.keyed {
		l.keys = make(map[string]int)
	}
	return l, nil
}

// Limit reports the limit now. A fixed limit never moves; an adaptive one
// moves between its min and max as latency is measured.
func (l *Limiter) Limit() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

// InFlight reports how many requests are inside the handler now (queued
// ones are not counted). It can exceed Limit for a moment after an adaptive
// limit falls: requests already admitted finish, and no new one is let in
// until InFlight is below Limit again.
func (l *Limiter) InFlight() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inFlight
}

// Middleware admits a request to next while fewer than Limit requests are
// in it (and, with WithKey, fewer than perKey of its key). Otherwise, with
// WithQueue, the request waits in the queue until a place frees, maxWait
// passes or its context ends; without a queue it is rejected at once.
//
// A rejected request never reaches next. The client gets WithRejectHandler's
// answer or, by default, 503 Service Unavailable with Retry-After: 1 and,
// when its Accept header prefers JSON (application/json or
// application/problem+json ranked at least as high as any other concrete
// type; */* alone does not count), an RFC 9457 problem document of type
// https://iana.org/assignments/http-problem-types#temporary-reduced-capacity,
// otherwise a short text. WithOnReject hooks run first.
//
// A queued client that goes away leaves the queue at once; nothing is
// written for it. If the request's context ends by a deadline instead (an
// outer timeout), it is rejected with reason "queue-timeout".
//
// The ResponseWriter is passed to next untouched. A panic in next frees its
// place and goes on up unchanged (http.ErrAbortHandler included).
func (l *Limiter) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var key string
		if l.cfg.keyed {
			if l.cfg.key != nil {
				key = l.cfg.key(r)
			}
			if key == "" {
				key = clientIP(r)
			}
		}
		prio := 0
		if l.cfg.priority != nil {
			prio = l.cfg.priority(r)
		}
		reason, timed := l.acquire(r, key, prio)
		if reason != "" {
			if reason != gone {
				l.reject(w, r, reason)
			}
			return
		}
		var start time.Time // zero: not timed
		if timed {
			start = time.Now()
		}
		defer l.release(key, start)
		next.ServeHTTP(w, r)
	})
}

// gone is acquire's answer for a client that left while queued.
const gone = "gone"

// acquire takes a place for r, waiting in the queue if there is one. It
// returns "" when r may go in, else a reason or gone; timed says whether
// the adaptive limit wants r's latency.
func (l *Limiter) acquire(r *http.Request, key string, prio int) (reason string, timed bool) {
	l.mu.Lock()
	var held int // requests of key in flight or queued
	if l.cfg.keyed {
		held = l.keys[key]
		if held >= l.cfg.perKey {
			l.mu.Unlock()
			return ReasonKey, false
		}
	}
	if l.inFlight < l.limit && l.q.n == 0 {
		l.inFlight++
		if l.cfg.keyed {
			l.keys[key] = held + 1
		}
		if l.adapt != nil {
			l.adapt.maxIn = max(l.adapt.maxIn, l.inFlight)
			timed = l.adapt.pick()
		}
		l.mu.Unlock()
		return "", timed
	}
	if l.cfg.queueSize == 0 {
		l.mu.Unlock()
		return ReasonLimit, false
	}
	return l.wait(r, key, prio)
}

// wait queues r; l.mu is held on entry and released before waiting.
func (l *Limiter) wait(r *http.Request, key string, prio int) (reason string, timed bool) {
	now := time.Now()
	standing := l.q.standing(now)
	if standing {
		l.shedStale(now)
	}
	if l.q.n >= l.cfg.queueSize {
		v := l.q.victim(prio, standing)
		if v == nil {
			l.mu.Unlock()
			return ReasonQueueFull, false
		}
		l.drop(v, ReasonQueueFull, now)
	}
	w := &waiter{key: key, since: now, ready: make(chan struct{})}
	l.q.push(w, prio, now)
	if l.cfg.keyed {
		l.keys[key]++
	}
	l.mu.Unlock()

	t := time.NewTimer(l.cfg.maxWait)
	defer t.Stop()
	ctx := r.Context()
	select {
	case <-w.ready:
	case <-t.C:
	case <-ctx.Done():
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	switch w.state {
	case admitted:
		// (Perhaps given just as the wait ended: take it; next sees the
		// context's end itself.)
		if l.adapt != nil {
			l.adapt.maxIn = max(l.adapt.maxIn, l.inFlight)
			timed = l.adapt.pick()
		}
		return "", timed
	case dropped:
		return w.reason, false
	}
	l.q.remove(w, time.Now())
	l.keyDone(key)
	if err := ctx.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return gone, false
	}
	return ReasonQueueTimeout, false
}

// release frees a place and hands it (and any the adaptive limit added) to
// the queue.
func (l *Limiter) release(key string, start time.Time) {
	var end time.Time
	if !start.IsZero() {
		end = time.Now()
	}
	l.mu.Lock()
	l.inFlight--
	if l.cfg.keyed {
		l.keyDone(key)
	}
	if l.adapt != nil {
		if start.IsZero() {
			l.adapt.done++
		} else if l.adapt.sample(end, end.Sub(start)) {
			l.limit = l.adapt.limit()
		}
	}
	if l.q.n > 0 {
		l.dispatch()
	}
	l.mu.Unlock()
}

// dispatch admits waiters while there are places: the highest priority
// first, oldest first, or newest first in a standing queue (adaptive LIFO),
// after shedding the waiters a standing queue has held past CoDel's target.
func (l *Limiter) dispatch() {
	now := time.Now()
	standing := l.q.standing(now)
	if standing {
		l.shedStale(now)
	}
	for l.inFlight < l.limit && l.q.n > 0 {
		w := l.q.next(standing)
		l.q.remove(w, now)
		w.state = admitted
		l.inFlight++
		close(w.ready)
	}
}

// drop takes w out of the queue with reason; its goroutine rejects it.
func (l *Limiter) drop(w *waiter, reason string, now time.Time) {
	l.q.remove(w, now)
	l.keyDone(w.key)
	w.state, w.reason = dropped, reason
	close(w.ready)
}

// shedStale drops, as "queue-timeout", every waiter queued for CoDel's
// target or longer: in a standing queue they are the ones that will miss
// their time, and their clients are better told at once.
func (l *Limiter) shedStale(now time.Time) {
	for w := l.q.oldest(now); w != nil; w = l.q.oldest(now) {
		l.drop(w, ReasonQueueTimeout, now)
	}
}

func (l *Limiter) keyDone(key string) {
	if !l.cfg.keyed {
		return
	}
	if n := l.keys[key] - 1; n > 0 {
		l.keys[key] = n
	} else {
		delete(l.keys, key)
	}
}

func (l *Limiter) reject(w http.ResponseWriter, r *http.Request, reason string) {
	reqlog.AddShed(r.Context(), reason)
	for _, f := range l.cfg.onReject {
		f(r, reason)
	}
	if l.cfg.rejectHandler != nil {
		l.cfg.rejectHandler.ServeHTTP(w, r)
		return
	}
	unavailable(w, r)
}
