package logging

import (
	"bufio"
	"fmt"
	"io"
	"sync"
	"time"
)

// Buffered is the writer BufferedWriter returns: records are collected in
// memory and written to the underlying writer in batches. It is safe for
// concurrent use.
type Buffered struct {
	mu     sync.Mutex
	w      io.Writer
	bw     *bufio.Writer
	every  time.Duration
	timer  *time.Timer // flushes a batch flushEvery after its first record
	armed  bool        // timer is counting down for the bytes in bw
	closed bool        // Close ran: writes go straight to w
	err    error       // the timer's write error, for the next caller
}

// BufferedWriter returns a writer for an access log on a file or pipe:
// each record written to a file costs a system call, which under load
// takes as long as the rest of the record. Buffered collects records in a
// buffer of size bytes and writes them to w in one call when the next
// record would not fit, and at the latest flushEvery after the oldest
// record in the buffer arrived, so a quiet server's log is never more than
// flushEvery behind. A record is never split across two writes of w (a
// record larger than size is written alone), so lines stay whole on a pipe.
// The batch is written by the Write that filled it, as an unbuffered log
// writes every record, only once per batch instead of once per record.
//
// Close writes out what is buffered. Call it after http.Server.Shutdown
// returned, when every handler has returned and so every record has been
// written to it; records written after Close go straight to w, so a late
// one is not lost either. What is buffered when the process dies without
// Close (os.Exit, log.Fatal, a crash) is lost: at most flushEvery of
// records.
//
//	buf := logging.BufferedWriter(file, 64<<10, time.Second)
//	logger := slog.New(slog.NewJSONHandler(buf, nil))
//	// ... srv.Handler = logging.New(logger)(mux); on SIGTERM:
//	srv.Shutdown(ctx)
//	buf.Close()
//
// The timer is the only background work: it runs only while records wait,
// and none is left once Close returns. It panics if w is nil, or size or
// flushEvery is not positive.
func BufferedWriter(w io.Writer, size int, flushEvery time.Duration) *Buffered {
	switch {
	case w == nil:
		panic("logging: BufferedWriter: nil io.Writer")
	case size <= 0:
		panic(fmt.Sprintf("logging: BufferedWriter: size %d is not positive", size))
	case flushEvery <= 0:
		panic(fmt.Sprintf("logging: BufferedWriter: flushEvery %v is not positive", flushEvery))
	}
	b := &Buffered{w: w, bw: bufio.NewWriterSize(w, size), every: flushEvery}
	b.timer = time.AfterFunc(flushEvery, b.flushLate)
	b.timer.Stop() // armed by the first record
	return b
}

// Write adds one record (slog's handlers write each record with one call).
// An error is w's, from the batch this call wrote out, or from an earlier
// batch the timer wrote; a batch w refused is dropped, so that one failure
// does not stop the log for good.
func (b *Buffered) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return b.w.Write(p)
	}
	var err error
	if len(p) > b.bw.Available() && b.bw.Buffered() > 0 {
		err = b.flush() // a record does not straddle two writes
	}
	n, werr := b.bw.Write(p) // bufio writes p straight to w when it exceeds the buffer
	if werr != nil {
		b.bw.Reset(b.w)
		err = werr
	}
	if b.bw.Buffered() > 0 && !b.armed {
		b.armed = true
		b.timer.Reset(b.every)
	}
	return n, b.takeErr(err)
}

// Flush writes out what is buffered now.
func (b *Buffered) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.takeErr(b.flush())
}

// Close writes out what is buffered and stops the timer. Later writes go
// straight to w. It does not close w, which the caller opened. Calling it
// again does nothing.
func (b *Buffered) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	b.timer.Stop()
	b.armed = false
	return b.takeErr(b.flush())
}

// flushLate is the timer's: the oldest buffered record has waited
// flushEvery. Its error waits for the next Write, Flush or Close.
func (b *Buffered) flushLate() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.armed = false
	if err := b.flush(); err != nil && b.err == nil {
		b.err = err
	}
}

// flush writes the buffer to w; a batch w refused is dropped.
func (b *Buffered) flush() error {
	if b.bw.Buffered() == 0 {
		return nil
	}
	err := b.bw.Flush()
	if err != nil {
		b.bw.Reset(b.w)
	}
	return err
}

// takeErr returns err, or else the error the timer kept, and forgets the
// latter: each failure is reported once.
func (b *Buffered) takeErr(err error) error {
	if err == nil {
		err, b.err = b.err, nil
	}
	return err
}
