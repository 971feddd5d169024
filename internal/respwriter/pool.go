package respwriter

import (
	"net/http"
	"sync"
)

// pools keep released wrappers, one pool per combination of interfaces.
var pools [kinds]sync.Pool

// Acquire is Wrap without the allocation once the pool is warm: for a
// middleware on the no-panic hot path (recovery) whose wrapper is dead when
// its ServeHTTP returns. Give the Writer back with Release, after the
// handler has returned and nothing will use the wrapper again: net/http
// forbids using a ResponseWriter after ServeHTTP returns, and a wrapper
// reused too early would mix two responses.
func Acquire(w http.ResponseWriter) (http.ResponseWriter, *Writer) {
	k := kindOf(w)
	x, _ := pools[k].Get().(*Writer)
	if x == nil {
		x = newWriter(k)
	}
	x.rw = w
	return x.self, x
}

// Release returns x, from Acquire, to its pool.
func Release(x *Writer) {
	self, k := x.self, x.kind
	*x = Writer{self: self, kind: k} // drop the response it wrapped
	pools[k].Put(x)
}
