package timeout

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tick is the deadline of the lazy-context tests: short, but long enough
// that "before the deadline" holds on a loaded machine.
const tick = 50 * time.Millisecond

// inContext runs f as the handler behind Context(d), with parent as the
// request's context, and returns the context f got (ended by then).
func inContext(t *testing.T, parent context.Context, d time.Duration, f func(ctx context.Context)) context.Context {
	t.Helper()
	var got context.Context
	Context(d)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Context()
		f(got)
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil).WithContext(parent))
	return got
}

// waitClosed fails t with why unless ch is closed within late.
func waitClosed(t *testing.T, ch <-chan struct{}, why string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(late):
		t.Fatal(why)
	}
}

// closed reports whether ch is closed now.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Err answers from the clock when nobody called Done: nil before the
// deadline, DeadlineExceeded with cause ErrTimeout after it, and from then
// on Done is closed and Err never changes.
func TestContextErrWithoutDone(t *testing.T) {
	inContext(t, context.Background(), tick, func(ctx context.Context) {
		assert.NoError(t, ctx.Err())
		assert.NoError(t, context.Cause(ctx))
		deadline, ok := ctx.Deadline()
		assert.True(t, ok)
		time.Sleep(time.Until(deadline))
		assert.ErrorIs(t, ctx.Err(), context.DeadlineExceeded)
		assert.Equal(t, ErrTimeout, context.Cause(ctx))
		assert.True(t, closed(ctx.Done()), "Err saw the deadline, so Done is closed")
		assert.Equal(t, context.DeadlineExceeded, ctx.Err())
	})
}

// Cause alone sees the deadline too, whether the parent is a cancelable
// context (as net/http's connection context is: Cause then looks for a
// cancelCtx through Value, and must find ours, not the parent's) or not.
func TestContextCauseWithoutDone(t *testing.T) {
	cancelable, cancel := context.WithCancel(context.Background())
	defer cancel()
	for name, parent := range map[string]context.Context{"background": context.Background(), "cancelable": cancelable} {
		t.Run(name, func(t *testing.T) {
			inContext(t, parent, tick, func(ctx context.Context) {
				time.Sleep(2 * tick)
				assert.Equal(t, ErrTimeout, context.Cause(ctx))
				assert.True(t, closed(ctx.Done()))
			})
		})
	}
}

// Done asked for the first time after the deadline is closed already.
func TestContextDoneAfterExpiry(t *testing.T) {
	inContext(t, context.Background(), tick, func(ctx context.Context) {
		time.Sleep(2 * tick)
		assert.True(t, closed(ctx.Done()))
		assert.Equal(t, context.DeadlineExceeded, ctx.Err())
		assert.Equal(t, ErrTimeout, context.Cause(ctx))
	})
}

// Done asked before the deadline closes at the deadline, with ErrTimeout.
func TestContextDoneBeforeExpiry(t *testing.T) {
	inContext(t, context.Background(), tick, func(ctx context.Context) {
		done := ctx.Done()
		assert.False(t, closed(done))
		assert.NoError(t, ctx.Err())
		waitClosed(t, done, "Done never closed")
		assert.Equal(t, context.DeadlineExceeded, ctx.Err())
		assert.Equal(t, ErrTimeout, context.Cause(ctx))
	})
}

// A canceled parent ends the context, whether or not Done was asked first,
// and its cause stands.
func TestContextParentCancelPropagates(t *testing.T) {
	for _, waitFirst := range []bool{false, true} {
		parent, cancel := context.WithCancelCause(context.Background())
		inContext(t, parent, time.Hour, func(ctx context.Context) {
			var done <-chan struct{}
			if waitFirst {
				done = ctx.Done()
			}
			cancel(errSentinel)
			if !waitFirst {
				assert.Equal(t, context.Canceled, ctx.Err(), "Err without Done sees the parent")
				done = ctx.Done()
			}
			waitClosed(t, done, "the parent's cancellation did not reach Done")
			assert.Equal(t, context.Canceled, ctx.Err())
			assert.Equal(t, errSentinel, context.Cause(ctx))
		})
	}
}

// A parent whose deadline comes first keeps its deadline and its cause.
func TestContextParentDeadlineFirst(t *testing.T) {
	parentCause := errors.New("outer deadline")
	parent, cancel := context.WithTimeoutCause(context.Background(), tick, parentCause)
	defer cancel()
	want, _ := parent.Deadline()
	inContext(t, parent, time.Hour, func(ctx context.Context) {
		got, ok := ctx.Deadline()
		assert.True(t, ok)
		assert.Equal(t, want, got)
		time.Sleep(time.Until(want))
		<-ctx.Done()
		assert.Equal(t, context.DeadlineExceeded, ctx.Err())
		assert.Equal(t, parentCause, context.Cause(ctx))
	})
}

// Contexts made on top work as on any context: WithCancel and AfterFunc
// register with it without a goroutine of their own, and end at its
// deadline with its cause; a shorter WithTimeout on top ends first.
func TestContextDerived(t *testing.T) {
	inContext(t, context.Background(), tick, func(ctx context.Context) {
		before := runtime.NumGoroutine()
		child, cancelChild := context.WithCancel(ctx)
		defer cancelChild()
		fired := make(chan struct{})
		stop := context.AfterFunc(ctx, func() { close(fired) })
		defer stop()
		assert.Equal(t, before, runtime.NumGoroutine(), "no goroutine watches the context")

		shorter, cancelShorter := context.WithTimeout(ctx, tick/5)
		defer cancelShorter()
		<-shorter.Done()
		assert.Equal(t, context.DeadlineExceeded, shorter.Err())
		assert.NoError(t, child.Err(), "the shorter deadline is the child's alone")

		<-child.Done()
		assert.Equal(t, ErrTimeout, context.Cause(child))
		waitClosed(t, fired, "AfterFunc never ran")
	})
}

type ctxKey struct{}

// Values of the parent are seen before and after the context is made real.
func TestContextValuePassthrough(t *testing.T) {
	parent := context.WithValue(context.Background(), ctxKey{}, "v")
	got := inContext(t, parent, tick, func(ctx context.Context) {
		assert.Equal(t, "v", ctx.Value(ctxKey{}))
		ctx.Done()
		assert.Equal(t, "v", ctx.Value(ctxKey{}))
	})
	assert.Equal(t, "v", got.Value(ctxKey{}), "after the request too")
}

// When the handler returns, the context it got is canceled, as
// WithTimeout's is by its cancel, whether or not Done was asked.
func TestContextCanceledOnReturn(t *testing.T) {
	for _, wait := range []bool{false, true} {
		got := inContext(t, context.Background(), time.Hour, func(ctx context.Context) {
			if wait {
				ctx.Done()
			}
		})
		assert.True(t, closed(got.Done()))
		assert.Equal(t, context.Canceled, got.Err())
		assert.Equal(t, context.Canceled, context.Cause(got))
		assert.Contains(t, got.(interface{ String() string }).String(), ".WithDeadline(")
	}
}

// Many goroutines asking Done, Err and Cause around the deadline all agree,
// and none sees Err non-nil with Done open (run with -race).
func TestContextConcurrentUse(t *testing.T) {
	inContext(t, context.Background(), tick, func(ctx context.Context) {
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for deadline := time.Now().Add(2 * tick); time.Now().Before(deadline); {
					if i%2 == 0 {
						ctx.Done()
					}
					if err := ctx.Err(); err != nil {
						if !assert.True(t, closed(ctx.Done()), "Err is set but Done is open") {
							return
						}
						assert.Equal(t, context.DeadlineExceeded, err)
						assert.Equal(t, ErrTimeout, context.Cause(ctx))
					}
					time.Sleep(time.Millisecond)
				}
			}()
		}
		wg.Wait()
		require.Equal(t, context.DeadlineExceeded, ctx.Err())
	})
}
