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
	stack := flag.String("stack", "bare", "bare, ours or chi")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile here until SIGINT/SIGTERM")
	flag.Parse()

	var h http.Handler
	switch *stack {
	case "bare":
		h = bench.Hello
	case "ours":
		var closeStack func()
		h, closeStack = bench.OurStack(io.Discard, bench.Hello, timeout.Context)
		defer closeStack()
	case "chi":
		h = bench.ChiStack(io.Discard, bench.Hello)
	default:
		log.Fatalf("-stack must be bare, ours or chi, not %q", *stack)
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
