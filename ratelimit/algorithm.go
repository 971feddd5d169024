package ratelimit

import (
	"strconv"
	"time"
)

// Algorithm is how a window counts (WithAlgorithm).
type Algorithm int

const (
	// FixedWindow is ulule's algorithm: a window's count starts again from
	// zero at its end, so up to twice the limit can pass around an edge.
	FixedWindow Algorithm = iota
	// SlidingWindow weighs the previous window's count by how much of it a
	// window of the same length ending now still overlaps, and adds the
	// current window's count: a client that spent its limit at the end of
	// one window gets its budget back gradually through the next, never at
	// once, so no burst of twice the limit passes at an edge.
	SlidingWindow
)

// String is the constant's name.
func (a Algorithm) String() string {
	switch a {
	case FixedWindow:
		return "FixedWindow"
	case SlidingWindow:
		return "SlidingWindow"
	}
	return "Algorithm(" + strconv.Itoa(int(a)) + ")"
}

// A window's state on a store's own clock (the memory store's monotonic
// nanoseconds, Redis's Unix milliseconds), read by windowState. Both stores
// keep, per window, the count of the current window and of the one before
// it, whatever the algorithm; only SlidingWindow gives the previous one
// weight.
type counts struct {
	count, prev int64 // the current window's count, and the previous one's
	left        int64 // time left until the current window ends (> 0)
	period      int64
}

// weighted is the count a window has now. Under SlidingWindow the previous
// window weighs prev times the share of it that a window of one period
// ending now still covers (left/period), rounded down: the sliding window
// counter that httprate and Cloudflare use, which assumes the previous
// window's requests were evenly spread. The Redis script computes the same
// figure the same way (float64, product first, then the quotient, then the
// floor), so both decide alike.
func (c counts) weighted(sliding bool) int64 {
	if !sliding || c.prev == 0 {
		return c.count
	}
	return c.count + int64(float64(c.prev)*float64(c.left)/float64(c.period))
}

// untilRoom is how long from now until one more request of cost 1 fits
// under limit, 0 if it fits now. A fixed window makes room only at its end.
// A sliding one makes room as the previous window's weight falls: in the
// current window once prev*(left-t)/period < limit-count, or, if the
// current window is full itself, in the next one, once this window's count
// (then the previous one) weighs less than limit. The float estimate is
// checked against weighted itself, which decides, so rounding can never
// make it early.
func (c counts) untilRoom(limit int64, sliding bool) int64 {
	if c.weighted(sliding)+1 <= limit {
		return 0
	}
	if !sliding {
		return c.left
	}
	var t int64
	if c.count < limit {
		t = int64(float64(c.left)-float64(limit-c.count)*float64(c.period)/float64(c.prev)) + 1
	} else {
		t = int64(float64(c.left+c.period)-float64(limit)*float64(c.period)/float64(c.count)) + 1
	}
	t = max(t, 0)
	for c.after(t).weighted(sliding)+1 > limit {
		t++
	}
	return t
}

// after is c as it will be t from now with nothing added: past the current
// window's end its count becomes the previous one, as the stores move a
// window on.
func (c counts) after(t int64) counts {
	if t < c.left {
		c.left -= t
		return c
	}
	moved := (t-c.left)/c.period + 1
	next := counts{left: c.period - (t-c.left)%c.period, period: c.period}
	if moved == 1 {
		next.prev = c.count
	}
	return next
}

// windowState is the winState of one window: its weighted count, and as
// its reset when one more request of cost 1 fits if none does now, else
// when the current window ends (from then on its count only weighs less).
// unit is the store clock's unit; now is this host's clock when the store
// answered.
func windowState(c counts, limit int64, sliding bool, now time.Time, unit time.Duration, end int64) winState {
	count, wait := c.weighted(sliding), c.left
	if count+1 > limit {
		wait = c.untilRoom(limit, sliding)
	}
	return winState{
		limit: limit,
		count: count,
		reset: now.Add(time.Duration(wait) * unit),
		end:   end,
	}
}
