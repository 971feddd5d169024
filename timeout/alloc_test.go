package timeout

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/internal/testutil"
)

var okBody = []byte("hello, world\n")

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(okBody)
})

// New on a fast handler costs the context with its deadline (4) and its Done
// channel (1), the request copy (1), the guard (1), starting the handler's
// goroutine (1), the handler's own header map (2) and the header value the
// handler sets (1). Nothing is pooled: the handler, or a framework holding
// the writer, may still use the guard and the map after ServeHTTP returns.
func TestNewAllocations(t *testing.T) {
	if testutil.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	h := New(time.Minute)(okHandler)
	w := testutil.NewDiscardWriter()
	r := httptest.NewRequest("GET", "/", nil)
	allocs := testing.AllocsPerRun(1000, func() {
		w.Reset()
		h.ServeHTTP(w, r)
	})
	assert.LessOrEqual(t, allocs, 11.0)
	assert.Equal(t, "text/plain; charset=utf-8", w.H.Get("Content-Type"))

	// Context costs its lazy deadline context (1), the request copy (1)
	// and the handler's header value (1): no timer, no Done channel, no
	// link to the parent, for a handler that never waits on its context.
	h = Context(time.Minute)(okHandler)
	allocs = testing.AllocsPerRun(1000, func() {
		w.Reset()
		h.ServeHTTP(w, r)
	})
	assert.LessOrEqual(t, allocs, 3.0)
}

// A handler streaming 1 GiB through New keeps the heap flat: nothing is
// buffered per byte written.
func TestNewStreamsGigabyteInFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 1 GiB")
	}
	const total, chunkSize = 1 << 30, 64 << 10
	var base, peak uint64
	h := New(time.Minute)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, chunkSize)
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		base = ms.HeapAlloc
		for i := 0; i < total/chunkSize; i++ {
			if _, err := w.Write(chunk); err != nil {
				t.Error(err)
				return
			}
			if i%2048 == 0 { // every 128 MiB
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
	}))
	srv := newServer(t, h)
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.EqualValues(t, total, n)
	// Garbage between GCs is allowed for; 1 GiB held anywhere is not.
	assert.Less(t, peak-min(peak, base), uint64(64<<20), "heap grew with the body")
}
