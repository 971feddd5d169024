package testutil

import "net/http"

// DiscardWriter is the cheapest honest ResponseWriter: it keeps a header
// map and the first status, counts and drops the body, and has Flush, as
// net/http's writer does. Reset it between requests.
type DiscardWriter struct {
	H      http.Header
	Code   int // the first status written, 0 until then
	N      int // body bytes written
	Writes int // WriteHeader calls that reached it
}

// NewDiscardWriter returns a DiscardWriter with room for a few headers.
func NewDiscardWriter() *DiscardWriter { return &DiscardWriter{H: make(http.Header, 8)} }

// Header returns the header map.
func (w *DiscardWriter) Header() http.Header { return w.H }

// Write counts p; the first write records 200 if no status was written.
func (w *DiscardWriter) Write(p []byte) (int, error) {
	if w.Code == 0 {
		w.Code = http.StatusOK
	}
	w.N += len(p)
	return len(p), nil
}

// WriteHeader records the first status code and counts every call.
func (w *DiscardWriter) WriteHeader(code int) {
	w.Writes++
	if w.Code == 0 {
		w.Code = code
	}
}

// Flush does nothing, like net/http's on a buffered response.
func (w *DiscardWriter) Flush() {}

// Reset makes w ready for the next request without allocating.
func (w *DiscardWriter) Reset() {
	clear(w.H)
	w.Code, w.N, w.Writes = 0, 0, 0
}

// RecordingDiscardWriter is a DiscardWriter that reports whether the
// response started, as package logging's writer does (recovery then needs
// no wrapper of its own).
type RecordingDiscardWriter struct{ DiscardWriter }

// NewRecordingDiscardWriter returns a RecordingDiscardWriter.
func NewRecordingDiscardWriter() *RecordingDiscardWriter {
	return &RecordingDiscardWriter{*NewDiscardWriter()}
}

// HeaderWritten reports whether a status or body byte was written.
func (w *RecordingDiscardWriter) HeaderWritten() bool { return w.Code != 0 }

// Hijacked is always false: there is no connection.
func (w *RecordingDiscardWriter) Hijacked() bool { return false }
