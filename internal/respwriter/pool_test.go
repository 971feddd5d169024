package respwriter

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAcquireKeepsInterfacesAndStartsClean(t *testing.T) {
	for _, f := range []bool{false, true} {
		for _, h := range []bool{false, true} {
			for _, rf := range []bool{false, true} {
				t.Run(fmt.Sprintf("flusher=%v,hijacker=%v,readerFrom=%v", f, h, rf), func(t *testing.T) {
					under, _ := combo(f, h, rf)
					w, rec := Acquire(under)
					assert.Equal(t, interfaces{f, h, rf}, interfacesOf(w))
					w.WriteHeader(http.StatusTeapot)
					w.Write([]byte("abc"))
					Release(rec)

					// Whatever the pool hands out next records afresh and
					// writes to the new writer.
					under2, p2 := combo(f, h, rf)
					w2, rec2 := Acquire(under2)
					assert.Equal(t, interfaces{f, h, rf}, interfacesOf(w2))
					assert.False(t, rec2.HeaderWritten())
					assert.Zero(t, rec2.BytesWritten())
					w2.Write([]byte("x"))
					assert.Equal(t, "x", p2.body.String())
					assert.Equal(t, under2, w2.(interface{ Unwrap() http.ResponseWriter }).Unwrap())
					Release(rec2)
				})
			}
		}
	}
}

func TestAcquireDoesNotAllocateOnceWarm(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items at random")
	}
	under, _ := combo(true, true, true)
	w, rec := Acquire(under)
	Release(rec)
	allocs := testing.AllocsPerRun(100, func() {
		w, rec = Acquire(under)
		_ = rec.Status()
		Release(rec)
	})
	assert.Zero(t, allocs)
	_ = w
}
