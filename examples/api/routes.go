package main

import (
	"fmt"
	"net/http"
	"time"
)

// slow ignores its context and sleeps past the deadline: timeout answers
// 503 for it at the deadline anyway.
func slow(w http.ResponseWriter, r *http.Request) {
	time.Sleep(10 * time.Second)
	fmt.Fprintln(w, "too late: nobody sees this")
}

// panicky shows recovery: the client gets a plain 500, the log gets the stack.
func panicky(w http.ResponseWriter, r *http.Request) {
	panic("something broke in /panic")
}

// stream sends server-sent events through timeout: each event is flushed
// to the client as it is written, well within the deadline.
func stream(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(w, "id: %d\ndata: {\"tick\":%d}\n\n", i, i)
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-tick.C:
		case <-r.Context().Done():
			return
		}
	}
}

func healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}
