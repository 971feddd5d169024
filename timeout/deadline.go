package timeout

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// deadlineCtx is the context Context hands the handler: a deadline that
// costs nothing until someone waits for it.
//
// context.WithTimeoutCause arms a timer and registers with the parent (the
// connection's context) on every request, and undoes both when the request
// ends, although most handlers never wait on their context. deadlineCtx
// answers Deadline from its field and Err from the clock and the parent.
// Only when it must, on the first Done call or when Err finds the deadline
// passed, does it make the standard library's own deadline context (inner):
// from then on Done, Err and Value are inner's, so the timer, the
// propagation from the parent, context.Cause (ErrTimeout, found through
// Value as for any cancelCtx) and the children that context.WithCancel or
// context.AfterFunc attach (without a goroutine) are all the standard
// library's. There is one deadline mechanism, made late.
//
// Err stays consistent with Done: an Err that saw the deadline pass makes
// inner first and answers from it, so Done is closed and Err never changes
// after; an Err that saw the parent ended answers the parent's error, which
// inner would inherit too.
type deadlineCtx struct {
	parent   context.Context
	deadline time.Time // ours: the request's start plus d
	// parentFirst: the parent's deadline is earlier than ours, so it, not
	// the clock against ours, ends this context (as WithDeadline keeps it).
	parentFirst bool
	inner       atomic.Pointer[inner] // nil until needed; never changes after
}

// inner is the standard library's context once deadlineCtx needed one, or
// stopped when the request ended before anyone did.
type inner struct {
	ctx    context.Context // nil for stopped
	cancel context.CancelFunc
}

// stopped marks a deadlineCtx whose request ended with no inner made: it
// is canceled, as a WithTimeout context is once its cancel ran, at the
// cost of a pointer swap.
var stopped = &inner{}

// closedChan is Done's answer once stopped: a closed channel that every
// stopped context shares, since nothing is ever sent on it.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

func newDeadlineCtx(parent context.Context, d time.Duration) *deadlineCtx {
	c := &deadlineCtx{parent: parent, deadline: time.Now().Add(d)}
	if pd, ok := parent.Deadline(); ok && pd.Before(c.deadline) {
		c.parentFirst = true
	}
	return c
}

// Deadline is ours, or the parent's when that is earlier.
func (c *deadlineCtx) Deadline() (time.Time, bool) {
	if c.parentFirst {
		return c.parent.Deadline()
	}
	return c.deadline, true
}

// Done makes inner, as a caller that waits needs its timer and its link to
// the parent.
func (c *deadlineCtx) Done() <-chan struct{} {
	in := c.need()
	if in.ctx == nil {
		return closedChan
	}
	return in.ctx.Done()
}

// Err reads the clock and the parent while there is no inner; see the type
// for why that stays consistent with Done.
func (c *deadlineCtx) Err() error {
	if in := c.inner.Load(); in != nil {
		return in.err()
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if c.parentFirst || time.Now().Before(c.deadline) {
		return nil
	}
	return c.need().err()
}

// Value asks inner once it exists, so that context.Cause finds inner's
// cause (ErrTimeout) and context.WithCancel registers with inner; before,
// the parent answers, as inner would for every key but the context
// package's own. Past the deadline Value makes inner first: context.Cause
// of Go 1.23 (the oldest this module supports) asks Value before Err, and
// would otherwise find the parent's cancelCtx (net/http's connection
// context) and its cause, nil.
func (c *deadlineCtx) Value(key any) any {
	in := c.inner.Load()
	if in == nil && !c.parentFirst && !time.Now().Before(c.deadline) {
		in = c.need()
	}
	if in != nil && in.ctx != nil {
		return in.ctx.Value(key)
	}
	return c.parent.Value(key)
}

// String describes the context for debugging, as the standard library's
// own contexts do.
func (c *deadlineCtx) String() string {
	name := fmt.Sprintf("%T", c.parent)
	if s, ok := c.parent.(fmt.Stringer); ok {
		name = s.String()
	}
	return name + ".WithDeadline(" + c.deadline.String() + ")"
}

// need returns inner, making it if nobody has. Two goroutines may race to
// make it: the loser cancels its own, which stops its timer and unlinks it
// from the parent, and takes the winner's.
func (c *deadlineCtx) need() *inner {
	if in := c.inner.Load(); in != nil {
		return in
	}
	// With parentFirst the standard library returns a plain cancel context
	// on the parent, whose deadline and cause then stand.
	ctx, cancel := context.WithDeadlineCause(c.parent, c.deadline, ErrTimeout)
	in := &inner{ctx: ctx, cancel: cancel}
	if c.inner.CompareAndSwap(nil, in) {
		return in
	}
	cancel()
	return c.inner.Load()
}

// stop ends the context when the request ends, as WithTimeout's cancel
// does: it stops inner's timer and unlinks it from the parent, or marks the
// context stopped if there was none.
func (c *deadlineCtx) stop() {
	if c.inner.CompareAndSwap(nil, stopped) {
		return
	}
	if in := c.inner.Load(); in.cancel != nil {
		in.cancel()
	}
}

func (in *inner) err() error {
	if in.ctx == nil {
		return context.Canceled
	}
	return in.ctx.Err()
}
