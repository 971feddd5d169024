// Command stackserver serves one route bare or through a full middleware
// stack, for the end-to-end wrk comparison in run.sh.
//
//	go run ./cmd/stackserver -stack ours -addr 127.0.0.1:9000
package main

import (
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
	"github.com/seed1f3c5038/mw/timeout"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on")
	stack := flag.String("stack", "bare", "bare, ours (timeout.Context), ours-new (timeout.New) or chi")
	logPath := flag.String("log", "", "append the access log to this file (default: io.Discard)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile here until SIGINT/SIGTERM")
	flag.Parse()

	// A real file, one write a record, as a server logging to disk or a
	// pipe does; io.Discard hides that syscall.
	var logTo io.Writer = io.Discard
	if *logPath != "" {
		f, err := os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		logTo = f
	}

	var h http.Handler
	switch *stack {
	case "bare":
		h = bench.Hello
	case "ours":
		var closeStack func()
		h, closeStack = bench.OurStack(logTo, bench.Hello, timeout.Context)
		defer closeStack()
	case "ours-new":
		var closeStack func()
		h, closeStack = bench.OurStack(logTo, bench.Hello, func(d time.Duration) func(http.Handler) http.Handler { return timeout.New(d) })
		defer closeStack()
	case "chi":
		h = bench.ChiStack(logTo, bench.Hello)
	default:
		log.Fatalf("-stack must be bare, ours, ours-new or chi, not %q", *stack)
	}
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		go func() {
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			<-sig
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(0)
		}()
	}
	log.Fatal(srv.ListenAndServe())
}
