package concurrency

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Every waiter's timer and every test server's goroutine must be gone when
// the tests end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// gate is a handler that holds each request until released, and counts
// the requests it saw.
type gate struct {
	entered chan string // the request's X-Name, when it enters
	release chan struct{}
	mu      sync.Mutex
	served  int
}

func newGate() *gate {
	return &gate{entered: make(chan string, 100), release: make(chan struct{})}
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.served++
	g.mu.Unlock()
	g.entered <- r.Header.Get("X-Name")
	select {
	case <-g.release:
	case <-r.Context().Done():
	}
	io.WriteString(w, "ok\n")
}

func (g *gate) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.served
}

// open lets one held request go on.
func (g *gate) open() { g.release <- struct{}{} }

// reply is what a client got.
type reply struct {
	status int
	header http.Header
	body   string
	err    error
}

// send starts a GET in the background; hdr is name, value pairs.
func send(ctx context.Context, srv *httptest.Server, hdr ...string) <-chan reply {
	ch := make(chan reply, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			ch <- reply{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		ch <- reply{status: res.StatusCode, header: res.Header, body: string(b), err: err}
	}()
	return ch
}

func get(t *testing.T, ch <-chan reply) reply {
	t.Helper()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("request failed: %v", r.err)
		}
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no reply within 10s")
	}
	return reply{}
}

func waitEntered(t *testing.T, g *gate) string {
	t.Helper()
	select {
	case name := <-g.entered:
		return name
	case <-time.After(10 * time.Second):
		t.Fatal("no request entered the handler within 10s")
	}
	return ""
}

// queued is how many requests wait in l's queue.
func (l *Limiter) queued() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.q.n
}

func waitQueued(t *testing.T, l *Limiter, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for l.queued() != n {
		if time.Now().After(deadline) {
			t.Fatalf("queue holds %d, want %d", l.queued(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// reasons records WithOnReject's calls.
type reasons struct {
	mu   sync.Mutex
	list []string
}

func (rs *reasons) hook(_ *http.Request, reason string) {
	rs.mu.Lock()
	rs.list = append(rs.list, reason)
	rs.mu.Unlock()
}

func (rs *reasons) get() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]string(nil), rs.list...)
}

func mustNew(t testing.TB, opts ...Option) *Limiter {
	t.Helper()
	l, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func serve(t *testing.T, l *Limiter, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(l.Middleware(h))
	t.Cleanup(srv.Close)
	return srv
}

// noCoDel keeps l's queue FIFO, for tests whose steps may take longer than
// CoDel's interval on a loaded machine.
func noCoDel(l *Limiter) { l.q.interval = time.Hour }
