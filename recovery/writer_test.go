package recovery

import (
	"net/http"

	"github.com/seed1f3c5038/mw/internal/respwriter"
)

// recordingWriter wraps w the way package logging does.
func recordingWriter(w http.ResponseWriter) http.ResponseWriter {
	ww, _ := respwriter.Wrap(w)
	return ww
}
