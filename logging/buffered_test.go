package logging_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/logging"
)

// writeLog records each Write it gets, as one batch.
type writeLog struct {
	mu      sync.Mutex
	batches []string
	fail    error // returned (once) instead of writing
}

func (w *writeLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.fail; err != nil {
		w.fail = nil
		return 0, err
	}
	w.batches = append(w.batches, string(p))
	return len(p), nil
}

func (w *writeLog) got() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.batches...)
}

// Records wait in the buffer until the next one would not fit; a batch
// holds whole records, and a record larger than the buffer goes alone.
func TestBufferedWriterBatchesWholeRecords(t *testing.T) {
	var w writeLog
	b := logging.BufferedWriter(&w, 10, time.Hour)
	for _, rec := range []string{"aaaa\n", "bbbb\n", "cccc\n", strings.Repeat("x", 20) + "\n", "dd\n"} {
		n, err := b.Write([]byte(rec))
		require.NoError(t, err)
		assert.Equal(t, len(rec), n)
	}
	assert.Equal(t, []string{"aaaa\nbbbb\n", "cccc\n", strings.Repeat("x", 20) + "\n"}, w.got())
	require.NoError(t, b.Close())
	assert.Equal(t, "dd\n", w.got()[3], "Close writes out the rest")
}

// A quiet log is written within flushEvery of its oldest record.
func TestBufferedWriterFlushesOnTimer(t *testing.T) {
	var w writeLog
	b := logging.BufferedWriter(&w, 1<<16, 20*time.Millisecond)
	defer b.Close()
	start := time.Now()
	_, err := b.Write([]byte("one\n"))
	require.NoError(t, err)
	assert.Empty(t, w.got())
	require.Eventually(t, func() bool { return len(w.got()) == 1 }, 5*time.Second, time.Millisecond)
	assert.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)

	b.Write([]byte("two\n"))
	b.Write([]byte("three\n"))
	require.Eventually(t, func() bool { return len(w.got()) == 2 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, "two\nthree\n", w.got()[1], "the timer is armed again by the next record")
}

// After Close, records go straight through, and a second Close does
// nothing.
func TestBufferedWriterAfterClose(t *testing.T) {
	var w writeLog
	b := logging.BufferedWriter(&w, 1<<16, time.Hour)
	b.Write([]byte("before\n"))
	require.NoError(t, b.Close())
	b.Write([]byte("late\n"))
	assert.Equal(t, []string{"before\n", "late\n"}, w.got())
	assert.NoError(t, b.Close())
	assert.NoError(t, b.Flush())
}

// A write error is reported once, by the call that wrote the batch or the
// next one after the timer's; the log goes on after it.
func TestBufferedWriterErrors(t *testing.T) {
	boom := errors.New("disk full")
	w := writeLog{fail: boom}
	b := logging.BufferedWriter(&w, 1<<16, time.Hour)
	b.Write([]byte("lost\n"))
	assert.Equal(t, boom, b.Flush())
	b.Write([]byte("kept\n"))
	assert.NoError(t, b.Flush())
	assert.Equal(t, []string{"kept\n"}, w.got())

	require.NoError(t, b.Close())
	w.mu.Lock()
	w.fail = boom
	w.mu.Unlock()
	b = logging.BufferedWriter(&w, 1<<16, 5*time.Millisecond)
	b.Write([]byte("lost by the timer\n"))
	time.Sleep(50 * time.Millisecond)
	_, err := b.Write([]byte("next\n"))
	assert.Equal(t, boom, err, "the timer's error goes to the next caller")
	assert.NoError(t, b.Close())
	assert.Equal(t, "next\n", w.got()[1])
}

// Many goroutines writing at once lose nothing and split nothing (run with
// -race).
func TestBufferedWriterConcurrent(t *testing.T) {
	var w writeLog
	b := logging.BufferedWriter(&w, 256, time.Millisecond)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				fmt.Fprintf(b, "g%d-%d\n", g, i)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, b.Close())
	lines := strings.Split(strings.TrimSuffix(strings.Join(w.got(), ""), "\n"), "\n")
	assert.Len(t, lines, 8*200)
	for _, l := range lines {
		assert.Regexp(t, `^g\d-\d+$`, l)
	}
}

func TestBufferedWriterMisconfigurationPanics(t *testing.T) {
	var w writeLog
	assert.PanicsWithValue(t, "logging: BufferedWriter: nil io.Writer", func() { logging.BufferedWriter(nil, 1, time.Second) })
	assert.PanicsWithValue(t, "logging: BufferedWriter: size 0 is not positive", func() { logging.BufferedWriter(&w, 0, time.Second) })
	assert.PanicsWithValue(t, "logging: BufferedWriter: flushEvery -1s is not positive", func() { logging.BufferedWriter(&w, 1, -time.Second) })
}
