// Command overload measures goodput under overload: a simulated backend
// with a fixed capacity, behind no limiter, chi's Throttle at the ideal
// fixed limit, and mw's concurrency limiter (fixed, and adaptive with no
// tuning), loaded by open-loop clients on loopback at multiples of its
// capacity.
//
//	go run ./cmd/overload -out results     # in bench/; about two minutes
//
// The backend holds one of -capacity slots for -service per request;
// requests beyond the capacity wait for a slot (and give up when their
// client does). Clients arrive as a Poisson process (seeded, so the
// arrival times repeat from run to run) at level x capacity/service per
// second, each with a -deadline. A success is a 200 within the deadline;
// goodput is successes per second; shed is the share of requests the
// limiter rejected (503, or chi's 429); late is the share that hit the
// client deadline. Each implementation gets a fresh server and backend,
// a warm-up at 0.5x, then every level for -duration, of which the first
// -settle is not counted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/seed1f3c5038/mw/concurrency"
)

type options struct {
	capacity int
	service  time.Duration
	deadline time.Duration
	duration time.Duration
	settle   time.Duration
	warmup   time.Duration
	levels   []float64
	impls    []string
	seed     int64
	out      string
}

func main() {
	var o options
	var levels, impls string
	flag.IntVar(&o.capacity, "capacity", 16, "backend slots")
	flag.DurationVar(&o.service, "service", 40*time.Millisecond, "service time per request")
	flag.DurationVar(&o.deadline, "deadline", time.Second, "client deadline")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "time per load level")
	flag.DurationVar(&o.settle, "settle", time.Second, "start of each level not counted")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured 0.5x load before the levels")
	flag.StringVar(&levels, "levels", "0.5,1,2,4", "offered load, in multiples of capacity")
	flag.StringVar(&impls, "impls", "none,chi,fixed,adaptive,adaptive-queue", "implementations")
	flag.Int64Var(&o.seed, "seed", 1, "arrival process seed")
	flag.StringVar(&o.out, "out", "", "directory for overload.md and overload.dat (default: stdout only)")
	flag.Parse()
	for _, s := range strings.Split(levels, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || v <= 0 {
			log.Fatalf("-levels: bad level %q", s)
		}
		o.levels = append(o.levels, v)
	}
	o.impls = strings.Split(impls, ",")
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

// result is one implementation at one level.
type result struct {
	impl            string
	level           float64
	offered         float64 // requests started per second
	goodput         float64
	p50, p99        time.Duration
	shed, late, err float64 // shares of the requests
	limit           string  // the adaptive limit at the end of the level
}

func run(o options) error {
	capacity := float64(o.capacity) / o.service.Seconds()
	fmt.Printf("capacity %d slots x %v = %.0f req/s; client deadline %v; %v per level (first %v not counted)\n",
		o.capacity, o.service, capacity, o.deadline, o.duration, o.settle)
	var all []result
	for _, impl := range o.impls {
		res, err := runImpl(o, impl, capacity)
		if err != nil {
			return err
		}
		all = append(all, res...)
	}
	table := markdown(all, capacity)
	fmt.Print(table)
	if o.out == "" {
		return nil
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(o.out, "overload.md"), []byte(table), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(o.out, "overload.dat"), []byte(gnuplotData(all, o.impls, capacity)), 0o644)
}

// backend is the simulated server: capacity slots, each held for the
// service time; excess requests wait for a slot until their client leaves.
type backend struct {
	slots   chan struct{}
	service time.Duration
}

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case b.slots <- struct{}{}:
	case <-r.Context().Done():
		return
	}
	time.Sleep(b.service) // the work, which does not stop for a canceled client
	<-b.slots
	io.WriteString(w, "ok\n")
}

func wrap(o options, impl string, h http.Handler) (http.Handler, func() string, error) {
	noLimit := func() string { return "" }
	switch impl {
	case "none":
		return h, noLimit, nil
	case "chi":
		return middleware.Throttle(o.capacity)(h), noLimit, nil
	case "fixed":
		l, err := concurrency.New(concurrency.WithLimit(o.capacity))
		if err != nil {
			return nil, nil, err
		}
		return l.Middleware(h), noLimit, nil
	case "adaptive", "adaptive-queue":
		var opts []concurrency.Option
		if impl == "adaptive-queue" {
			opts = append(opts, concurrency.WithQueue(100, 100*time.Millisecond))
		}
		l, err := concurrency.New(opts...)
		if err != nil {
			return nil, nil, err
		}
		return l.Middleware(h), func() string { return strconv.Itoa(l.Limit()) }, nil
	}
	return nil, nil, fmt.Errorf("unknown implementation %q", impl)
}

func runImpl(o options, impl string, capacity float64) ([]result, error) {
	h, limit, err := wrap(o, impl, &backend{slots: make(chan struct{}, o.capacity), service: o.service})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 4096, IdleConnTimeout: 30 * time.Second, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	url := "http://" + ln.Addr().String() + "/"

	rng := rand.New(rand.NewSource(o.seed))
	load(client, url, rng, 0.5*capacity, o.warmup, o.warmup, o.deadline)
	var out []result
	for _, level := range o.levels {
		samples := load(client, url, rng, level*capacity, o.duration, o.settle, o.deadline)
		r := summarize(samples, o.duration-o.settle)
		r.impl, r.level, r.limit = impl, level, limit()
		fmt.Fprintf(os.Stderr, "%-15s %4.1fx: offered %6.0f/s goodput %6.0f/s (%3.0f%%) p50 %6.1fms p99 %6.1fms shed %5.1f%% late %5.1f%% limit %s\n",
			impl, level, r.offered, r.goodput, 100*r.goodput/capacity, ms(r.p50), ms(r.p99), 100*r.shed, 100*r.late, r.limit)
		out = append(out, r)
	}
	return out, nil
}

// sample is one request's outcome.
type sample struct {
	status  int // 0: no response (deadline or error)
	late    bool
	latency time.Duration
}

// load runs open-loop Poisson arrivals at rate per second for d and
// returns the samples of requests started after skip, once all of them
// have ended.
func load(client *http.Client, url string, rng *rand.Rand, rate float64, d, skip, deadline time.Duration) []sample {
	var mu sync.Mutex
	var samples []sample
	var wg sync.WaitGroup
	start := time.Now()
	next := start
	for next.Sub(start) < d {
		if wait := time.Until(next); wait > 0 {
			time.Sleep(wait)
		}
		counted := next.Sub(start) >= skip
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := do(client, url, deadline)
			if counted {
				mu.Lock()
				samples = append(samples, s)
				mu.Unlock()
			}
		}()
		next = next.Add(time.Duration(rng.ExpFloat64() / rate * float64(time.Second)))
	}
	wg.Wait()
	return samples
}

func do(client *http.Client, url string, deadline time.Duration) sample {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	t0 := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return sample{late: errors.Is(err, context.DeadlineExceeded), latency: time.Since(t0)}
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	lat := time.Since(t0)
	if err != nil {
		return sample{late: errors.Is(err, context.DeadlineExceeded), latency: lat}
	}
	return sample{status: res.StatusCode, latency: lat, late: lat > deadline}
}

func summarize(samples []sample, counted time.Duration) result {
	var ok []time.Duration
	var shed, late, other int
	for _, s := range samples {
		switch {
		case s.status == http.StatusOK && !s.late:
			ok = append(ok, s.latency)
		case s.status == http.StatusServiceUnavailable || s.status == http.StatusTooManyRequests:
			shed++
		case s.late:
			late++
		default:
			other++
		}
	}
	sort.Slice(ok, func(i, j int) bool { return ok[i] < ok[j] })
	n := float64(max(1, len(samples)))
	r := result{
		offered: float64(len(samples)) / counted.Seconds(),
		goodput: float64(len(ok)) / counted.Seconds(),
		shed:    float64(shed) / n,
		late:    float64(late) / n,
		err:     float64(other) / n,
	}
	if len(ok) > 0 {
		r.p50 = ok[len(ok)*50/100]
		r.p99 = ok[min(len(ok)-1, len(ok)*99/100)]
	}
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func markdown(all []result, capacity float64) string {
	var b strings.Builder
	var unloaded time.Duration
	for _, r := range all {
		if r.impl == "none" && r.level == all[0].level {
			unloaded = r.p99
		}
	}
	fmt.Fprintf(&b, "| implementation | load | offered/s | goodput/s | goodput %% of capacity | p50 ms | p99 ms | p99 / unloaded p99 | shed %% | late %% | errors %% | limit |\n")
	fmt.Fprintf(&b, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range all {
		ratio := "-"
		if unloaded > 0 && r.p99 > 0 {
			ratio = fmt.Sprintf("%.2f", float64(r.p99)/float64(unloaded))
		}
		fmt.Fprintf(&b, "| %s | %.1fx | %.0f | %.0f | %.0f%% | %.1f | %.1f | %s | %.1f | %.1f | %.1f | %s |\n",
			r.impl, r.level, r.offered, r.goodput, 100*r.goodput/capacity, ms(r.p50), ms(r.p99), ratio,
			100*r.shed, 100*r.late, 100*r.err, r.limit)
	}
	if unloaded > 0 {
		fmt.Fprintf(&b, "\nunloaded p99 (no limiter at %.1fx): %.1f ms\n", all[0].level, ms(unloaded))
	}
	return b.String()
}

// gnuplotData is one row per level, one goodput column (% of capacity) per
// implementation, in the order given.
func gnuplotData(all []result, impls []string, capacity float64) string {
	var b strings.Builder
	b.WriteString("load")
	for _, impl := range impls {
		b.WriteString(" " + impl)
	}
	b.WriteString("\n")
	var levels []float64
	for _, r := range all {
		if r.impl == impls[0] {
			levels = append(levels, r.level)
		}
	}
	for _, level := range levels {
		fmt.Fprintf(&b, "%g", level)
		for _, impl := range impls {
			for _, r := range all {
				if r.impl == impl && r.level == level {
					fmt.Fprintf(&b, " %.1f", 100*r.goodput/capacity)
				}
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
