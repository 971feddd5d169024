// Package redistest starts a real redis-server for tests, on a free
// loopback port, with no persistence, and stops it when the test ends.
//
//	srv := redistest.Start(t) // skips the test when redis-server is not installed
//	client := srv.Client(t)   // closed when the test ends
//	srv.Kill()                // SIGKILL, as in a crash
//	srv.Restart()             // same port, empty data
//	cl := redistest.StartCluster3(t) // three masters: cl.Addrs for a ClusterClient
//
// When redis-server is not on PATH the test is skipped with a message
// saying so, unless MW_REQUIRE_REDIS=1, in which case it fails: set it in
// CI so that the Redis tests cannot be skipped silently.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is one redis-server process, restartable on the same port.
type Server struct {
	// Addr is "127.0.0.1:<port>".
	Addr string

	t    testing.TB
	bin  string
	dir  string
	port int
	args func() []string // extra arguments, given the port

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
}

// Start starts redis-server on a free loopback port. The server is killed
// when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, nil)
}

// StartCluster starts a one-node Redis Cluster owning every hash slot, for
// go-redis's ClusterClient (Addrs: []string{srv.Addr}).
func StartCluster(t testing.TB) *Server {
	t.Helper()
	s := start(t, func() []string {
		return []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"}
	})
	if err := command(s.Addr, "CLUSTER ADDSLOTSRANGE 0 16383", "+OK"); err != nil {
		t.Fatalf("redistest: CLUSTER ADDSLOTSRANGE: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for command(s.Addr, "CLUSTER INFO", "cluster_state:ok") != nil {
		if time.Now().After(deadline) {
			t.Fatalf("redistest: cluster state not ok after 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// Cluster is a Redis Cluster of three masters (no replicas), each its own
// redis-server, with the 16384 slots spread over them.
type Cluster struct {
	Nodes []*Server
	// Addrs are the nodes' addresses, for go-redis's ClusterOptions.Addrs.
	Addrs []string
}

// StartCluster3 starts a real three-master Redis Cluster on free loopback
// ports, made with redis-cli --cluster create, and waits until every node
// reports cluster_state:ok. It is skipped like Start when redis-server (or
// redis-cli) is missing. The nodes are killed when the test ends.
func StartCluster3(t testing.TB) *Cluster {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		if os.Getenv("MW_REQUIRE_REDIS") == "1" {
			t.Fatalf("redistest: redis-cli is not on PATH and MW_REQUIRE_REDIS=1: %v", err)
		}
		t.Skip("redistest: redis-cli is not on PATH; install redis-tools to run this test")
	}
	c := &Cluster{}
	for range 3 {
		s := start(t, func() []string {
			return []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"}
		})
		c.Nodes = append(c.Nodes, s)
		c.Addrs = append(c.Addrs, s.Addr)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, s := range c.Nodes {
		for command(s.Addr, "CLUSTER INFO", "cluster_state:ok") != nil {
			if time.Now().After(deadline) {
				t.Fatalf("redistest: cluster state not ok on %s after 20s", s.Addr)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return c
}

// StartSentinel starts a Sentinel monitoring master under the name
// "mymaster", for go-redis's failover client (MasterName: "mymaster",
// SentinelAddrs: []string{sentinel.Addr}).
func StartSentinel(t testing.TB, master *Server) *Server {
	t.Helper()
	return start(t, func() []string {
		// Sentinel rewrites its configuration file, so it needs one.
		conf := filepath.Join(t.TempDir(), "sentinel.conf")
		os.WriteFile(conf, []byte("sentinel monitor mymaster 127.0.0.1 "+strconv.Itoa(master.port)+" 1\n"), 0o644)
		return []string{conf, "--sentinel"}
	})
}

func start(t testing.TB, args func() []string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("MW_REQUIRE_REDIS") == "1" {
			t.Fatalf("redistest: redis-server is not on PATH and MW_REQUIRE_REDIS=1: %v", err)
		}
		t.Skip("redistest: redis-server is not on PATH; install it (apt-get install redis-server) to run this test, or set MW_REQUIRE_REDIS=1 to make its absence fail")
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir(), args: args}
	var lastErr error
	// A free port can be taken between finding it and redis binding it:
	// try a few.
	for range 5 {
		if s.port, lastErr = freePort(); lastErr != nil {
			continue
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
		if lastErr = s.start(); lastErr == nil {
			t.Cleanup(s.Kill)
			return s
		}
	}
	t.Fatalf("redistest: cannot start redis-server: %v", lastErr)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) start() error {
	logf, err := os.OpenFile(filepath.Join(s.dir, "redis.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	var args []string
	if s.args != nil {
		args = s.args() // a config file must come first
	}
	args = append(args,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--enable-debug-command", "local",
		"--daemonize", "no",
	)
	cmd := exec.Command(s.bin, args...)
	// Files, not pipes: exec would start copying goroutines for pipes,
	// which goleak would report.
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited: %v (log: %s)", waitErr, s.log())
		default:
		}
		if ping(s.Addr) == nil {
			s.mu.Lock()
			s.cmd, s.exited = cmd, exited
			s.mu.Unlock()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	<-exited
	return fmt.Errorf("redis-server did not answer PING within 10s (log: %s)", s.log())
}

func (s *Server) log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// ping sends an inline PING and expects +PONG.
func ping(addr string) error { return command(addr, "PING", "+PONG") }

// command sends one inline command and expects want in the first 4 kB of
// the reply.
func command(addr, cmd, want string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	n, err := bufio.NewReader(c).Read(buf)
	if err != nil {
		return err
	}
	if !strings.Contains(string(buf[:n]), want) {
		return fmt.Errorf("%s: unexpected reply %q", cmd, buf[:n])
	}
	return nil
}

// Kill stops the server with SIGKILL, like a crash, and waits until its
// port refuses connections. Killing a stopped server does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	<-exited
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", s.Addr, 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
}

// Restart starts the server again on the same port, with no data and no
// scripts (as after a crash without persistence). It fails the test if the
// server cannot start.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	var err error
	for range 50 { // the port may linger for a moment after the kill
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("redistest: cannot restart redis-server on %s: %v", s.Addr, err)
}

// Client returns a go-redis client for the server, closed when the test
// ends. opts may adjust its options (Addr is set already).
func (s *Server) Client(t testing.TB, opts ...func(*redis.Options)) *redis.Client {
	o := &redis.Options{Addr: s.Addr}
	for _, f := range opts {
		f(o)
	}
	c := redis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}
