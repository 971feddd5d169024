package concurrency

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewRejectsBadValues(t *testing.T) {
	nop := func(*http.Request, string) {}
	for _, tc := range []struct {
		opts []Option
		want string
	}{
		{[]Option{WithLimit(0)}, "WithLimit(0)"},
		{[]Option{WithLimit(-3)}, "WithLimit(-3)"},
		{[]Option{WithAdaptive(0, 10)}, "WithAdaptive(0, 10)"},
		{[]Option{WithAdaptive(10, 5)}, "WithAdaptive(10, 5)"},
		{[]Option{WithLimit(5), WithAdaptive(1, 10)}, "WithLimit(5) and WithAdaptive(1, 10)"},
		{[]Option{WithQueue(-1, time.Second)}, "WithQueue(-1, 1s)"},
		{[]Option{WithQueue(10, 0)}, "WithQueue(10, 0s)"},
		{[]Option{WithQueue(10, -time.Second)}, "WithQueue(10, -1s)"},
		{[]Option{WithKey(nil, 0)}, "WithKey(f, 0)"},
		{[]Option{WithPriority(nil)}, "WithPriority(nil)"},
		{[]Option{WithRejectHandler(nil)}, "WithRejectHandler(nil)"},
		{[]Option{WithOnReject(nil), WithOnReject(nop)}, "WithOnReject(nil)"},
	} {
		l, err := New(tc.opts...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "concurrency: ") {
			t.Errorf("%s: New = %v, %v; want an error naming it", tc.want, l, err)
		}
	}
	// Every bad value is named, not only the first.
	_, err := New(WithLimit(0), WithQueue(-1, time.Second))
	if err == nil || !strings.Contains(err.Error(), "WithLimit(0)") || !strings.Contains(err.Error(), "WithQueue(-1") {
		t.Errorf("two bad values: %v", err)
	}
	// nil Options are ignored; a zero-size queue is no queue.
	l, err := New(nil, WithLimit(3), nil, WithQueue(0, 0))
	if err != nil || l.Limit() != 3 {
		t.Errorf("New(nil, WithLimit(3), nil, WithQueue(0, 0)) = %v, %v", l, err)
	}
}

func TestDefaultsAreAdaptive(t *testing.T) {
	l := mustNew(t)
	if l.adapt == nil || l.adapt.lo != 1 || l.adapt.hi != 1000 || l.Limit() != 1 {
		t.Errorf("New() is not adaptive 1..1000 starting at 1: limit %d", l.Limit())
	}
	l = mustNew(t, WithAdaptive(5, 50))
	if l.Limit() != 5 || l.adapt.hi != 50 {
		t.Errorf("WithAdaptive(5, 50) starts at %d", l.Limit())
	}
}

// Over a fixed limit without a queue, a request is rejected at once and
// never reaches the handler; InFlight counts the ones inside.
func TestFixedLimitRejectsAtOnce(t *testing.T) {
	var rs reasons
	l := mustNew(t, WithLimit(2), WithOnReject(rs.hook))
	g := newGate()
	srv := serve(t, l, g)
	ctx := context.Background()
	a, b := send(ctx, srv), send(ctx, srv)
	waitEntered(t, g)
	waitEntered(t, g)
	if l.InFlight() != 2 || l.Limit() != 2 {
		t.Fatalf("InFlight %d, Limit %d; want 2, 2", l.InFlight(), l.Limit())
	}
	r := get(t, send(ctx, srv))
	if r.status != 503 || r.header.Get("Retry-After") != "1" {
		t.Errorf("over the limit: %d, Retry-After %q; want 503, 1", r.status, r.header.Get("Retry-After"))
	}
	if ct := r.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" || !strings.Contains(r.body, "Service Unavailable") {
		t.Errorf("text rejection: %q %q", ct, r.body)
	}
	if g.count() != 2 {
		t.Errorf("the handler saw %d requests, want 2", g.count())
	}
	if got := rs.get(); !slices.Equal(got, []string{ReasonLimit}) {
		t.Errorf("reasons %v, want [limit]", got)
	}
	g.open()
	g.open()
	if get(t, a).status != 200 || get(t, b).status != 200 {
		t.Error("admitted requests failed")
	}
	if l.InFlight() != 0 {
		t.Errorf("InFlight %d after all finished", l.InFlight())
	}
	// A place is free again.
	go g.open()
	if r := get(t, send(ctx, srv)); r.status != 200 {
		t.Errorf("after the others finished: %d", r.status)
	}
}

func TestRejectionBodyFollowsAccept(t *testing.T) {
	l := mustNew(t, WithLimit(1))
	g := newGate()
	srv := serve(t, l, g)
	held := send(context.Background(), srv)
	waitEntered(t, g)
	defer func() { g.open(); get(t, held) }()

	for _, tc := range []struct {
		accept string
		json   bool
	}{
		{"", false},
		{"*/*", false},
		{"text/html", false},
		{"application/json", true},
		{"application/problem+json", true},
		{"text/html;q=0.9, application/json", true},
		{"application/json;q=0.5, text/html", false},
		{"application/*", false},
	} {
		r := get(t, send(context.Background(), srv, "Accept", tc.accept))
		if r.status != 503 || r.header.Get("Retry-After") != "1" {
			t.Errorf("Accept %q: %d, Retry-After %q", tc.accept, r.status, r.header.Get("Retry-After"))
		}
		ct := r.header.Get("Content-Type")
		if !tc.json {
			if ct != "text/plain; charset=utf-8" || r.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("Accept %q: Content-Type %q, want text", tc.accept, ct)
			}
			continue
		}
		if ct != "application/problem+json" {
			t.Errorf("Accept %q: Content-Type %q, want application/problem+json", tc.accept, ct)
			continue
		}
		var p struct {
			Type, Title, Detail string
			Status              int
		}
		if err := json.Unmarshal([]byte(r.body), &p); err != nil {
			t.Fatalf("problem body %q: %v", r.body, err)
		}
		if p.Type != ProblemType || p.Status != 503 || p.Title != "Service Unavailable" || p.Detail == "" {
			t.Errorf("problem %+v", p)
		}
	}
}

func TestRejectHandlerAndHooks(t *testing.T) {
	var order []string
	l := mustNew(t, WithLimit(1),
		WithOnReject(func(r *http.Request, reason string) { order = append(order, "first:"+reason) }),
		WithOnReject(func(r *http.Request, reason string) { order = append(order, "second:"+reason) }),
		WithRejectHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			order = append(order, "handler")
			w.Header().Set("Retry-After", "7")
			http.Error(w, "busy", http.StatusTooManyRequests)
		})))
	g := newGate()
	srv := serve(t, l, g)
	held := send(context.Background(), srv)
	waitEntered(t, g)
	r := get(t, send(context.Background(), srv))
	g.open()
	get(t, held)
	if r.status != 429 || r.body != "busy\n" || r.header.Get("Retry-After") != "7" {
		t.Errorf("custom rejection: %d %q", r.status, r.body)
	}
	if want := []string{"first:limit", "second:limit", "handler"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
}

func TestQueueAdmitsWhenAPlaceFrees(t *testing.T) {
	l := mustNew(t, WithLimit(1), WithQueue(2, 10*time.Second))
	noCoDel(l)
	g := newGate()
	srv := serve(t, l, g)
	ctx := context.Background()
	a := send(ctx, srv, "X-Name", "a")
	waitEntered(t, g)
	b := send(ctx, srv, "X-Name", "b")
	waitQueued(t, l, 1)
	c := send(ctx, srv, "X-Name", "c")
	waitQueued(t, l, 2)
	if g.count() != 1 || l.InFlight() != 1 {
		t.Fatalf("queued requests reached the handler: %d, in flight %d", g.count(), l.InFlight())
	}
	g.open()
	if get(t, a).status != 200 {
		t.Fatal("a failed")
	}
	if name := waitEntered(t, g); name != "b" {
		t.Errorf("%s left the queue first, want b (FIFO)", name)
	}
	g.open()
	waitEntered(t, g)
	g.open()
	if get(t, b).status != 200 || get(t, c).status != 200 {
		t.Error("queued requests failed")
	}
	if l.queued() != 0 || l.InFlight() != 0 {
		t.Errorf("queued %d, in flight %d at the end", l.queued(), l.InFlight())
	}
}

func TestQueueFullAndTimeout(t *testing.T) {
	var rs reasons
	l := mustNew(t, WithLimit(1), WithQueue(1, 80*time.Millisecond), WithOnReject(rs.hook))
	noCoDel(l)
	g := newGate()
	srv := serve(t, l, g)
	ctx := context.Background()
	a := send(ctx, srv)
	waitEntered(t, g)
	start := time.Now()
	b := send(ctx, srv)
	waitQueued(t, l, 1)
	if r := get(t, send(ctx, srv)); r.status != 503 {
		t.Errorf("queue full: %d", r.status)
	}
	r := get(t, b)
	if r.status != 503 || time.Since(start) < 80*time.Millisecond {
		t.Errorf("queue timeout: %d after %v", r.status, time.Since(start))
	}
	g.open()
	get(t, a)
	if got := rs.get(); !slices.Equal(got, []string{ReasonQueueFull, ReasonQueueTimeout}) {
		t.Errorf("reasons %v", got)
	}
	if g.count() != 1 || l.queued() != 0 {
		t.Errorf("handler saw %d, queued %d", g.count(), l.queued())
	}
}

// A client that goes away while queued frees its place in the queue at
// once, is not answered, and is not reported as rejected.
func TestQueuedClientLeaving(t *testing.T) {
	var rs reasons
	l := mustNew(t, WithLimit(1), WithQueue(1, time.Minute), WithOnReject(rs.hook))
	noCoDel(l)
	g := newGate()
	srv := serve(t, l, g)
	a := send(context.Background(), srv)
	waitEntered(t, g)
	ctx, cancel := context.WithCancel(context.Background())
	b := send(ctx, srv)
	waitQueued(t, l, 1)
	cancel()
	if r := <-b; !errors.Is(r.err, context.Canceled) {
		t.Errorf("canceled client: %+v", r)
	}
	waitQueued(t, l, 0)
	c := send(context.Background(), srv, "X-Name", "c")
	waitQueued(t, l, 1)
	g.open()
	get(t, a)
	if name := waitEntered(t, g); name != "c" {
		t.Errorf("entered %q, want c", name)
	}
	g.open()
	get(t, c)
	if got := rs.get(); len(got) != 0 {
		t.Errorf("reasons %v, want none", got)
	}
	if g.count() != 2 {
		t.Errorf("handler saw %d, want 2", g.count())
	}
}

// An outer deadline ending while queued is a queue timeout: the client is
// still there and gets the rejection.
func TestQueuedDeadline(t *testing.T) {
	var rs reasons
	l := mustNew(t, WithLimit(1), WithQueue(1, time.Minute), WithOnReject(rs.hook))
	noCoDel(l)
	g := newGate()
	h := l.Middleware(g)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Name") == "b" {
			ctx, cancel := context.WithTimeout(r.Context(), 50*time.Millisecond)
			defer cancel()
			r = r.WithContext(ctx)
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	a := send(context.Background(), srv)
	waitEntered(t, g)
	if r := get(t, send(context.Background(), srv, "X-Name", "b")); r.status != 503 {
		t.Errorf("outer deadline: %d", r.status)
	}
	g.open()
	get(t, a)
	if got := rs.get(); !slices.Equal(got, []string{ReasonQueueTimeout}) {
		t.Errorf("reasons %v", got)
	}
}

func TestPriorityOrder(t *testing.T) {
	prio := func(r *http.Request) int {
		switch r.Header.Get("X-Name") {
		case "high":
			return 5
		case "mid":
			return 2
		}
		return 0
	}
	l := mustNew(t, WithLimit(1), WithQueue(3, 10*time.Second), WithPriority(prio))
	noCoDel(l)
	g := newGate()
	srv := serve(t, l, g)
	ctx := context.Background()
	var out []<-chan reply
	out = append(out, send(ctx, srv, "X-Name", "first"))
	waitEntered(t, g)
	for i, name := range []string{"low", "high", "mid"} {
		out = append(out, send(ctx, srv, "X-Name", name))
		waitQueued(t, l, i+1)
	}
	var got []string
	for range 3 {
		g.open()
		got = append(got, waitEntered(t, g))
	}
	g.open()
	for _, ch := range out {
		get(t, ch)
	}
	if want := []string{"high", "mid", "low"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

// In a full queue a higher priority takes the place of the lowest one;
// an equal or lower one is shed itself.
func TestPriorityShedLast(t *testing.T) {
	var rs reasons
	prio := func(r *http.Request) int {
		if r.Header.Get("X-Name") == "high" {
			return 1
		}
		return 0
	}
	l := mustNew(t, WithLimit(1), WithQueue(1, 10*time.Second), WithPriority(prio), WithOnReject(rs.hook))
	noCoDel(l)
	g := newGate()
	srv := serve(t, l, g)
	ctx := context.Background()
	first := send(ctx, srv, "X-Name", "first")
	waitEntered(t, g)
	low := send(ctx, srv, "X-Name", "low")
	waitQueued(t, l, 1)
	high := send(ctx, srv, "X-Name", "high")
	if r := get(t, low); r.status != 503 {
		t.Errorf("low, pushed out: %d", r.status)
	}
	waitQueued(t, l, 1)
	if r := get(t, send(ctx, srv, "X-Name", "low2")); r.status != 503 {
		t.Errorf("low arriving at a queue full of high: %d", r.status)
	}
	g.open()
	get(t, first)
	if name := waitEntered(t, g); name != "high" {
		t.Errorf("entered %q, want high", name)
	}
	g.open()
	if r := get(t, high); r.status != 200 {
		t.Errorf("high: %d", r.status)
	}
	if got := rs.get(); !slices.Equal(got, []string{ReasonQueueFull, ReasonQueueFull}) {
		t.Errorf("reasons %v", got)
	}
}

// A standing queue (not empty for CoDel's interval) sheds the requests it
// has held past the target, and serves the newest first.
func TestStandingQueue(t *testing.T) {
	var rs reasons
	l := mustNew(t, WithLimit(1), WithQueue(10, 10*time.Second), WithOnReject(rs.hook))
	g := newGate()
	srv := serve(t, l, g)
	ctx := context.Background()
	first := send(ctx, srv)
	waitEntered(t, g)
	old := send(ctx, srv, "X-Name", "old")
	waitQueued(t, l, 1)
	time.Sleep(codelInterval + 10*time.Millisecond)
	fresh := send(ctx, srv, "X-Name", "fresh")
	if r := get(t, old); r.status != 503 {
		t.Errorf("old request in a standing queue: %d", r.status)
	}
	waitQueued(t, l, 1)
	g.open()
	get(t, first)
	// fresh may have gone stale too on a slow machine; either way old never
	// reached the handler.
	select {
	case name := <-g.entered:
		if name != "fresh" {
			t.Errorf("entered %q", name)
		}
		g.open()
	case r := <-fresh:
		t.Logf("fresh was shed as well: %d", r.status)
		fresh = nil
	}
	if fresh != nil {
		get(t, fresh)
	}
	if got := rs.get(); len(got) == 0 || got[0] != ReasonQueueTimeout {
		t.Errorf("reasons %v", got)
	}
}

func TestQueueLIFOWhenStanding(t *testing.T) {
	q := queue{interval: codelInterval, target: codelTarget}
	now := time.Unix(1e9, 0)
	a, b, c := &waiter{since: now}, &waiter{since: now}, &waiter{since: now}
	q.push(a, 0, now)
	q.push(b, 0, now)
	q.push(c, 1, now)
	if q.next(false) != c || q.next(true) != c {
		t.Error("higher priority first")
	}
	q.remove(c, now)
	if q.next(false) != a || q.next(true) != b {
		t.Error("FIFO, or LIFO when standing")
	}
	if q.standing(now.Add(codelInterval-1)) || !q.standing(now.Add(codelInterval)) {
		t.Error("standing after one interval")
	}
	if q.victim(0, false) != nil || q.victim(1, false) != b || q.victim(0, true) != a {
		t.Error("victims: newest of a lower priority, or oldest when standing")
	}
	if q.oldest(now.Add(codelTarget-1)) != nil || q.oldest(now.Add(codelTarget)) != a {
		t.Error("oldest")
	}
	q.remove(a, now)
	q.remove(b, now.Add(time.Second))
	if q.n != 0 || len(q.levels) != 0 || !q.lastEmpty.Equal(now.Add(time.Second)) {
		t.Errorf("empty queue: %+v", q)
	}
}

func TestPerKeyLimit(t *testing.T) {
	var rs reasons
	byUser := func(r *http.Request) string { return r.Header.Get("X-User") }
	l := mustNew(t, WithLimit(10), WithKey(byUser, 1), WithQueue(5, time.Second), WithOnReject(rs.hook))
	noCoDel(l)
	g := newGate()
	srv := serve(t, l, g)
	ctx := context.Background()
	alice := send(ctx, srv, "X-User", "alice")
	waitEntered(t, g)
	bob := send(ctx, srv, "X-User", "bob")
	waitEntered(t, g)
	// A second request of alice is over her share: rejected, not queued.
	if r := get(t, send(ctx, srv, "X-User", "alice")); r.status != 503 {
		t.Errorf("alice's second: %d", r.status)
	}
	// No X-User: keyed by the client IP, 127.0.0.1.
	anon := send(ctx, srv)
	waitEntered(t, g)
	if r := get(t, send(ctx, srv)); r.status != 503 {
		t.Errorf("second from the same IP: %d", r.status)
	}
	for range 3 {
		g.open()
	}
	get(t, alice)
	get(t, bob)
	get(t, anon)
	if got := rs.get(); !slices.Equal(got, []string{ReasonKey, ReasonKey}) {
		t.Errorf("reasons %v", got)
	}
	l.mu.Lock()
	left := len(l.keys)
	l.mu.Unlock()
	if left != 0 {
		t.Errorf("%d keys left in the map", left)
	}
}

func TestClientIP(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.1:1234":   "192.0.2.1",
		"[2001:db8::1]:80": "2001:db8::1",
		"@":                "@",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = addr
		if got := clientIP(r); got != want {
			t.Errorf("clientIP(%q) = %q, want %q", addr, got, want)
		}
	}
}

// A panic in the handler frees its place and goes on up unchanged.
func TestPanicFreesThePlace(t *testing.T) {
	for _, l := range []*Limiter{mustNew(t, WithLimit(1)), mustNew(t)} {
		h := l.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
		func() {
			defer func() {
				if v := recover(); v != http.ErrAbortHandler {
					t.Errorf("recovered %v, want http.ErrAbortHandler", v)
				}
			}()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		}()
		if l.InFlight() != 0 {
			t.Errorf("InFlight %d after a panic", l.InFlight())
		}
	}
}

// The ResponseWriter reaches the handler as it is: Flusher and
// ResponseController keep working.
func TestWriterUntouched(t *testing.T) {
	l := mustNew(t, WithLimit(1))
	var seen http.ResponseWriter
	rec := httptest.NewRecorder()
	l.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = w })).
		ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if seen != http.ResponseWriter(rec) {
		t.Errorf("the handler got %T, want the server's writer", seen)
	}
}
