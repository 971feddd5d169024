// Timeout and Recovery record expiries and panics through
// timeout.WithOnTimeout and recovery.WithOnPanic.

package otelmw

import (
	"net/http"

	"go.opentelemetry.io/otel/attribute"

	"github.com/seed1f3c5038/mw/recovery"
	"github.com/seed1f3c5038/mw/timeout"
)

// Timeout returns a timeout.WithOnTimeout that adds one to
// mw.timeout.expired for each expiry: outcome=answered when the client got
// the timeout response, outcome=aborted when the response had started and
// the handler was cut off.
func (m *Metrics) Timeout() []timeout.Option {
	answered := attrs(attribute.String("outcome", "answered"))
	aborted := attrs(attribute.String("outcome", "aborted"))
	return []timeout.Option{
		timeout.WithOnTimeout(func(r *http.Request, started bool) {
			o := answered
			if started {
				o = aborted
			}
			m.expired.Add(r.Context(), 1, o...)
		}),
	}
}

// Recovery returns a recovery.WithOnPanic that adds one to
// mw.recovery.panics{aborted} for each recovered panic, aborted being true
// when the response had started (the client got a cut-off response rather
// than a 500).
func (m *Metrics) Recovery() []recovery.Option {
	answered := attrs(attribute.Bool("aborted", false))
	aborted := attrs(attribute.Bool("aborted", true))
	return []recovery.Option{
		recovery.WithOnPanic(func(r *http.Request, _ any, started bool) {
			o := answered
			if started {
				o = aborted
			}
			m.panics.Add(r.Context(), 1, o...)
		}),
	}
}
