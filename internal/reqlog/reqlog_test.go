package reqlog

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/seed1f3c5038/mw/internal/testutil"
)

func TestCarriesStateAndDelegates(t *testing.T) {
	type other struct{}
	parent, cancel := context.WithTimeout(context.WithValue(context.Background(), other{}, 1), time.Hour)
	defer cancel()
	ctx := NewContext(parent, slog.Default())
	ctx.State.ID = "abc"

	assert.Equal(t, "abc", ID(ctx))
	assert.Same(t, &ctx.State, FromContext(ctx))
	assert.Equal(t, 1, ctx.Value(other{}), "other keys go to the parent")
	dl, ok := ctx.Deadline()
	assert.True(t, ok)
	pdl, _ := parent.Deadline()
	assert.Equal(t, pdl, dl)

	child := context.WithValue(ctx, other{}, 2)
	assert.Equal(t, "abc", ID(child), "found through children")
	assert.Equal(t, "", ID(context.Background()))
	assert.Nil(t, FromContext(context.Background()))
}

func TestLoggerBuiltOnceUnderConcurrency(t *testing.T) {
	var buf bytes.Buffer
	ctx := NewContext(context.Background(), slog.New(slog.NewTextHandler(&buf, nil)))
	ctx.State.ID = "r1"
	var wg sync.WaitGroup
	got := make([]*slog.Logger, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = ctx.State.Logger()
		}()
	}
	wg.Wait()
	for _, l := range got {
		assert.Same(t, got[0], l)
	}
	got[0].Info("x")
	assert.Contains(t, buf.String(), "request_id=r1")
}

func TestLoggerWithoutIDIsTheBase(t *testing.T) {
	base := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	ctx := NewContext(context.Background(), base)
	assert.Same(t, base, ctx.State.Logger())
}

func TestString(t *testing.T) {
	ctx := NewContext(context.Background(), slog.Default())
	ctx.State.ID = "x1"
	assert.Equal(t, "context.Background.WithRequestID(x1)", ctx.String())
}

func TestAddAttrsFromGoroutinesUntilClose(t *testing.T) {
	ctx := NewContext(context.Background(), slog.Default())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			AddAttrs(ctx, slog.Int("n", i))
		}()
	}
	wg.Wait()
	got := ctx.State.Close()
	assert.Len(t, got, 8)
	AddAttrs(ctx, slog.Int("late", 1))
	assert.Len(t, ctx.State.Close(), 8, "added after the record was written: dropped")

	assert.NotPanics(t, func() { AddAttrs(context.Background(), slog.Int("x", 1)) }, "no-op outside a logged request")
}

// The calls mw's middlewares make add exactly the documented keys and
// types, the ratelimit one as a group.
func TestMiddlewareCalls(t *testing.T) {
	ctx := NewContext(context.Background(), slog.Default())
	AddRateLimit(ctx, "api", 10, 9, false)
	AddTimedOut(ctx)
	AddShed(ctx, "queue-full")
	got := ctx.State.Close()
	want := []slog.Attr{
		slog.Group("ratelimit", slog.String("name", "api"), slog.Int64("limit", 10), slog.Int64("remaining", 9), slog.Bool("limited", false)),
		slog.Bool("timed_out", true),
		slog.String("shed", "queue-full"),
	}
	if assert.Len(t, got, len(want)) {
		for i := range want {
			assert.True(t, want[i].Equal(got[i]), "%v != %v", want[i], got[i])
		}
	}
	AddShed(ctx, "late")
	assert.Len(t, ctx.State.Close(), 3, "closed: dropped")
}

// The first attribute a request gets (a limiter's group, timed_out, shed)
// is kept in its State: adding it costs no allocation of its own.
func TestFirstAttrAllocatesNothing(t *testing.T) {
	if testutil.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	allocs := testing.AllocsPerRun(100, func() {
		c := NewContext(context.Background(), slog.Default())
		AddTimedOut(c)
		if got := c.State.Close(); len(got) != 1 {
			t.Fatalf("record has %d attributes", len(got))
		}
	})
	if allocs > 1 {
		t.Errorf("%v allocations, want 1 (the Context)", allocs)
	}
}
