// Command stackserver serves one route bare or through a full middleware
// stack, for the end-to-end wrk comparison in run.sh.
//
//	go run ./cmd/stackserver -stack ours -addr 127.0.0.1:9000
//
// With -log FILE, our stacks log through logging.BufferedWriter, as the
// logging package recommends for a file; chi's logger writes each line
// to the file itself, as chi's middleware does. SIGINT and SIGTERM shut the
// server down, write out the buffered log and end the CPU profile.
package main

import (
	"context"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/seed1f3c5038/mw/bench"
	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/timeout"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on")
	stack := flag.String("stack", "bare", "bare, ours (timeout.Context), ours-new (timeout.New) or chi")
	logPath := flag.String("log", "", "append the access log to this file (default: io.Discard)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile here until SIGINT/SIGTERM")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// A real file, as a server logging to disk or a pipe does; io.Discard
	// hides the write system call.
	var logTo io.Writer = io.Discard
	if *logPath != "" {
		f, err := os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		logTo = f
	}
	// Our stacks' buffer, written out after Shutdown: every record is kept.
	closeLog := func() error { return nil }
	ours := func() io.Writer {
		if *logPath == "" {
			return logTo
		}
		buf := logging.BufferedWriter(logTo, 64<<10, time.Second)
		closeLog = buf.Close
		return buf
	}

	var h http.Handler
	switch *stack {
	case "bare":
		h = bench.Hello
	case "ours":
		var closeStack func()
		h, closeStack = bench.OurStack(ours(), bench.Hello, timeout.Context)
		defer closeStack()
	case "ours-new":
		var closeStack func()
		h, closeStack = bench.OurStack(ours(), bench.Hello, func(d time.Duration) func(http.Handler) http.Handler { return timeout.New(d) })
		defer closeStack()
	case "chi":
		h = bench.ChiStack(logTo, bench.Hello)
	default:
		log.Fatalf("-stack must be bare, ours, ours-new or chi, not %q", *stack)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()
	select {
	case err := <-served:
		log.Fatal(err) // it could not listen
	case <-ctx.Done():
	}
	// ListenAndServe returns at once; Shutdown returns when every handler
	// has, so every record has reached the buffer by then.
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		log.Print(err)
	}
	if err := closeLog(); err != nil {
		log.Print(err)
	}
}
