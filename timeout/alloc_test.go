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
)

// discardWriter is a cheap ResponseWriter like the one bench/ uses.
type discardWriter struct{ header http.Header }

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Flush()                      {}

var okBody = []byte("hello, world\n")

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(okBody)
})

// New on a fast handler costs the context (4), the request copy (1) and
// the handler's own header value (1): the goroutine, its writer, the header
// map and the timer come from a pool.
func TestNewAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	h := New(time.Minute)(okHandler)
	w := &discardWriter{header: make(http.Header, 8)}
	r := httptest.NewRequest("GET", "/", nil)
	allocs := testing.AllocsPerRun(1000, func() {
		clear(w.header)
		h.ServeHTTP(w, r)
	})
	assert.LessOrEqual(t, allocs, 6.0)
	assert.Equal(t, "text/plain; charset=utf-8", w.header.Get("Content-Type"))

	h = Context(time.Minute)(okHandler)
	allocs = testing.AllocsPerRun(1000, func() {
		clear(w.header)
		h.ServeHTTP(w, r)
	})
	assert.LessOrEqual(t, allocs, 6.0)
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
