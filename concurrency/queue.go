package concurrency

import (
	"sort"
	"time"
)

// CoDel's constants (RFC 8289): a queue that has not been empty for a whole
// interval is a standing queue, and then nothing should wait in it longer
// than target.
const (
	codelInterval = 100 * time.Millisecond
	codelTarget   = 5 * time.Millisecond
)

// waiter is one queued request. Its fields are guarded by Limiter.mu; ready
// is closed once state leaves waiting.
type waiter struct {
	prev, next *waiter
	lvl        *level
	key        string
	since      time.Time
	state      int // waiting, admitted or dropped
	reason     string
	ready      chan struct{}
}

const (
	waiting = iota
	admitted
	dropped
)

// level holds the waiters of one priority, oldest at head.
type level struct {
	prio       int
	head, tail *waiter
}

// queue is the waiters by priority: levels sorted from the highest priority
// down, each a list in arrival order. Distinct priorities are few in
// practice, so a sorted slice is the simplest index; an empty level is
// removed.
type queue struct {
	levels    []*level
	n         int
	lastEmpty time.Time // when the queue was last empty
	// CoDel's constants; fields so that tests can stretch them.
	interval, target time.Duration
}

// standing reports whether the queue has not been empty for a whole
// interval: sustained overload, in CoDel's sense.
func (q *queue) standing(now time.Time) bool {
	return q.n > 0 && now.Sub(q.lastEmpty) >= q.interval
}

func (q *queue) push(w *waiter, prio int, now time.Time) {
	if q.n == 0 {
		q.lastEmpty = now // empty until now
	}
	i := sort.Search(len(q.levels), func(i int) bool { return q.levels[i].prio <= prio })
	if i == len(q.levels) || q.levels[i].prio != prio {
		q.levels = append(q.levels, nil)
		copy(q.levels[i+1:], q.levels[i:])
		q.levels[i] = &level{prio: prio}
	}
	l := q.levels[i]
	w.lvl, w.prev, w.next = l, l.tail, nil
	if l.tail != nil {
		l.tail.next = w
	} else {
		l.head = w
	}
	l.tail = w
	q.n++
}

func (q *queue) remove(w *waiter, now time.Time) {
	l := w.lvl
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		l.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		l.tail = w.prev
	}
	w.prev, w.next, w.lvl = nil, nil, nil
	if l.head == nil {
		for i, x := range q.levels {
			if x == l {
				q.levels = append(q.levels[:i], q.levels[i+1:]...)
				break
			}
		}
	}
	q.n--
	if q.n == 0 {
		q.lastEmpty = now
	}
}

// next is the waiter to admit: the highest priority's oldest (FIFO), or
// its newest when lifo.
func (q *queue) next(lifo bool) *waiter {
	l := q.levels[0]
	if lifo {
		return l.tail
	}
	return l.head
}

// victim is the waiter a request of priority prio may push out of a full
// queue: one of the lowest priority, if that is below prio, or, in a
// standing queue, not above prio. In a standing queue it is the oldest (the
// one closest to missing its time, CoDel's drop from the head); otherwise
// the newest, so that FIFO order is kept for the rest. nil: no victim, the
// arrival itself is shed.
func (q *queue) victim(prio int, standing bool) *waiter {
	if q.n == 0 {
		return nil
	}
	l := q.levels[len(q.levels)-1]
	switch {
	case standing && l.prio <= prio:
		return l.head
	case l.prio < prio:
		return l.tail
	}
	return nil
}

// oldest is a waiter queued for at least the target, or nil: the oldest of
// the first level, from the highest priority, that has one.
func (q *queue) oldest(now time.Time) *waiter {
	for _, l := range q.levels {
		if now.Sub(l.head.since) >= q.target {
			return l.head
		}
	}
	return nil
}
