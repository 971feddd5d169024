package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// apiProcess is the real program, built and started on a free port.
type apiProcess struct {
	url  string
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs []string // stdout lines: the JSON access and error log
	done chan struct{}
}

func buildAPI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "api")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// startAPI runs bin with args and -addr 127.0.0.1:0, and waits for its
// "listening" log line to learn the URL.
func startAPI(t *testing.T, bin string, args ...string) *apiProcess {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	p := &apiProcess{cmd: cmd, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs = append(p.logs, line)
			p.mu.Unlock()
			var rec struct{ Msg, URL string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
				urls <- rec.URL
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	select {
	case p.url = <-urls:
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not say it was listening")
	}
	return p
}

// logRecords returns the parsed log records so far.
func (p *apiProcess) logRecords() []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []map[string]any
	for _, line := range p.logs {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil {
			out = append(out, rec)
		}
	}
	return out
}

// stop sends SIGTERM and expects a clean exit.
func (p *apiProcess) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not stop on SIGTERM")
	}
	require.NoError(t, p.cmd.Wait(), "exit status after SIGTERM")
}

func do(t *testing.T, method, url string, body string, header ...string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(b)
}

func TestAPIEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the program")
	}
	p := startAPI(t, buildAPI(t), "-rate", "1000-M", "-post-rate", "2-M", "-timeout", "1500ms")
	exerciseAPI(t, p)
	p.stop(t)
}

// exerciseAPI checks every route's behaviour through a running server.
func exerciseAPI(t *testing.T, p *apiProcess) {
	t.Run("healthz is not logged", func(t *testing.T) {
		res, body := do(t, "GET", p.url+"/healthz", "")
		assert.Equal(t, 200, res.StatusCode)
		assert.Equal(t, "ok\n", body)
		assert.Empty(t, res.Header.Get("X-RateLimit-Limit"), "healthz skips the throttle")
	})

	t.Run("list articles", func(t *testing.T) {
		res, body := do(t, "GET", p.url+"/articles", "")
		assert.Equal(t, 200, res.StatusCode)
		assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
		assert.Contains(t, body, `"Hello, mw"`)
		assert.Equal(t, "1000", res.Header.Get("X-RateLimit-Limit"))
		assert.NotEmpty(t, res.Header.Get("X-Request-ID"))
	})

	t.Run("405 with Allow", func(t *testing.T) {
		res, _ := do(t, "DELETE", p.url+"/articles", "")
		assert.Equal(t, 405, res.StatusCode)
		assert.Equal(t, "GET, HEAD, POST, OPTIONS", res.Header.Get("Allow"))
	})

	t.Run("OPTIONS and HEAD", func(t *testing.T) {
		res, body := do(t, "OPTIONS", p.url+"/articles/1", "")
		assert.Equal(t, 200, res.StatusCode)
		assert.Equal(t, "GET, HEAD, PUT, DELETE, OPTIONS", res.Header.Get("Allow"))
		assert.Empty(t, body)

		get, getBody := do(t, "GET", p.url+"/articles/1", "")
		head, headBody := do(t, "HEAD", p.url+"/articles/1", "")
		assert.Equal(t, 200, head.StatusCode)
		assert.Empty(t, headBody)
		assert.Equal(t, get.Header.Get("Content-Type"), head.Header.Get("Content-Type"))
		assert.EqualValues(t, len(getBody), head.ContentLength)
	})

	t.Run("POST throttled per API key, else per IP", func(t *testing.T) {
		post := func(key string) *http.Response {
			res, _ := do(t, "POST", p.url+"/articles", `{"title":"t","body":"b"}`, "X-API-Key", key)
			return res
		}
		for range 2 {
			assert.Equal(t, 201, post("demo-key-alice").StatusCode)
		}
		denied := post("demo-key-alice")
		assert.Equal(t, 429, denied.StatusCode)
		assert.NotEmpty(t, denied.Header.Get("Retry-After"))
		assert.Equal(t, "0", denied.Header.Get("X-RateLimit-Remaining"))
		// Bob has his own quota; an unknown key counts against the IP.
		assert.Equal(t, 201, post("demo-key-bob").StatusCode)
		assert.Equal(t, 201, post("made-up").StatusCode)
		assert.Equal(t, 201, post("").StatusCode)
		assert.Equal(t, 429, post("another-made-up").StatusCode)
		// GET is not behind the POST throttle.
		res, _ := do(t, "GET", p.url+"/articles", "")
		assert.Equal(t, 200, res.StatusCode)
	})

	t.Run("article CRUD", func(t *testing.T) {
		res, _ := do(t, "PUT", p.url+"/articles/1", `{"title":"new title"}`)
		assert.Equal(t, 200, res.StatusCode)
		_, body := do(t, "GET", p.url+"/articles/1", "")
		assert.Contains(t, body, "new title")
		res, _ = do(t, "GET", p.url+"/articles/999", "")
		assert.Equal(t, 404, res.StatusCode)
		assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
	})

	t.Run("slow route times out", func(t *testing.T) {
		start := time.Now()
		res, _ := do(t, "GET", p.url+"/slow", "")
		assert.Equal(t, 503, res.StatusCode)
		assert.Less(t, time.Since(start), 5*time.Second)
	})

	t.Run("slow route sheds past its concurrency limit", func(t *testing.T) {
		// Two places and two queued: of five at once, at least one is shed
		// with Retry-After well before the deadline answers the others.
		type answer struct {
			status int
			retry  string
			took   time.Duration
		}
		answers := make(chan answer, 5)
		for range 5 {
			go func() {
				start := time.Now()
				res, err := http.Get(p.url + "/slow")
				if err != nil {
					answers <- answer{}
					return
				}
				res.Body.Close()
				answers <- answer{res.StatusCode, res.Header.Get("Retry-After"), time.Since(start)}
			}()
		}
		shed := 0
		for range 5 {
			a := <-answers
			assert.Equal(t, 503, a.status)
			if a.retry == "1" {
				shed++
				assert.Less(t, a.took, time.Second, "shed at once or after the queue wait")
			}
		}
		assert.GreaterOrEqual(t, shed, 1)
	})

	t.Run("panic becomes a 500 and is logged", func(t *testing.T) {
		res, body := do(t, "GET", p.url+"/panic", "")
		assert.Equal(t, 500, res.StatusCode)
		assert.NotContains(t, body, "something broke")
		res, _ = do(t, "GET", p.url+"/healthz", "")
		assert.Equal(t, 200, res.StatusCode, "the server survives")
		assert.Eventually(t, func() bool {
			for _, rec := range p.logRecords() {
				if strings.Contains(stringField(rec, "panic")+stringField(rec, "msg"), "something broke") ||
					(stringField(rec, "path") == "/panic" && rec["status"] == float64(500)) {
					return true
				}
			}
			return false
		}, 5*time.Second, 50*time.Millisecond)
	})

	t.Run("stream arrives event by event", func(t *testing.T) {
		start := time.Now()
		res, err := http.Get(p.url + "/stream")
		require.NoError(t, err)
		defer res.Body.Close()
		assert.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
		rd := bufio.NewReader(res.Body)
		first, err := rd.ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, "id: 1\n", first)
		assert.Less(t, time.Since(start), 700*time.Millisecond, "the first event must not wait for the last")
		rest, err := io.ReadAll(rd)
		require.NoError(t, err)
		assert.Equal(t, 4, strings.Count(string(rest), "id: "))
	})

	t.Run("access log has the fields", func(t *testing.T) {
		var found map[string]any
		assert.Eventually(t, func() bool {
			for _, rec := range p.logRecords() {
				if stringField(rec, "path") == "/articles/1" && stringField(rec, "method") == "PUT" {
					found = rec
					return true
				}
			}
			return false
		}, 5*time.Second, 50*time.Millisecond)
		for _, k := range []string{"status", "bytes", "duration", "remote_ip", "request_id", "route"} {
			assert.Contains(t, found, k)
		}
		assert.Equal(t, "/articles/{id}", found["route"])
		for _, rec := range p.logRecords() {
			assert.NotEqual(t, "/healthz", stringField(rec, "path"), "healthz must not be logged")
		}
	})
}

func stringField(rec map[string]any, k string) string {
	s, _ := rec[k].(string)
	return s
}

// -log-schema otel writes OpenTelemetry's names; a bad value stops the
// program with an error that names it.
func TestAPILogSchema(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the program")
	}
	bin := buildAPI(t)
	p := startAPI(t, bin, "-log-schema", "otel")
	res, _ := do(t, "GET", p.url+"/articles", "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Eventually(t, func() bool {
		for _, rec := range p.logRecords() {
			if rec["url.path"] == "/articles" && rec["http.response.status_code"] == float64(200) {
				return true
			}
		}
		return false
	}, 5*time.Second, 20*time.Millisecond, "an OpenTelemetry-named record for GET /articles")
	p.stop(t)

	out, err := exec.Command(bin, "-log-schema", "zipkin").CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), `-log-schema must be default, otel or ecs, not "zipkin"`)
}
