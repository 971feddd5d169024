package logging_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/logging"
)

// childLogEnv names the log file of the server process the shutdown test
// starts: this test binary, run again with only TestBufferedServerProcess.
const childLogEnv = "MW_LOGGING_TEST_CHILD_LOG"

// A real server process logging through BufferedWriter, whose timer never
// fires during the test, keeps every record when it is stopped with
// SIGTERM or SIGINT: the one of a request still running when the signal
// came too, since Shutdown waits for it and Close writes out the buffer.
func TestBufferedWriterShutdownKeepsEveryRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "access.log")
			cmd := exec.Command(os.Args[0], "-test.run=^TestBufferedServerProcess$")
			cmd.Env = append(os.Environ(), childLogEnv+"="+path)
			cmd.Stderr = os.Stderr
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			defer cmd.Process.Kill()

			lines := bufio.NewScanner(stdout)
			var addr string
			for addr == "" && lines.Scan() {
				addr, _ = strings.CutPrefix(lines.Text(), "listening on ")
			}
			require.NotEmpty(t, addr, "the child never said where it listens")
			go io.Copy(io.Discard, stdout)

			const fast = 20
			for i := range fast {
				res, err := http.Get(fmt.Sprintf("http://%s/fast?i=%d", addr, i))
				require.NoError(t, err)
				res.Body.Close()
			}
			slow := make(chan error, 1)
			go func() {
				res, err := http.Get("http://" + addr + "/slow")
				if err == nil {
					_, err = io.ReadAll(res.Body)
					res.Body.Close()
				}
				slow <- err
			}()
			time.Sleep(100 * time.Millisecond) // the slow request is in its handler
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Empty(t, data, "the records wait in the buffer")

			require.NoError(t, cmd.Process.Signal(sig))
			require.NoError(t, <-slow, "the running request is answered")
			require.NoError(t, cmd.Wait())

			data, err = os.ReadFile(path)
			require.NoError(t, err)
			recs := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			require.Len(t, recs, fast+1)
			for i, line := range recs {
				var rec map[string]any
				require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
				want := "/slow"
				if i < fast {
					want = "/fast"
				}
				assert.Equal(t, want, rec["path"])
			}
		})
	}
}

// TestBufferedServerProcess is the server the shutdown test starts; run
// directly it does nothing. It serves until SIGTERM or SIGINT, then shuts
// down and closes the buffer, as the package documentation shows.
func TestBufferedServerProcess(t *testing.T) {
	path := os.Getenv(childLogEnv)
	if path == "" {
		t.Skip("run by TestBufferedWriterShutdownKeepsEveryRecord")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	require.NoError(t, err)
	defer f.Close()
	buf := logging.BufferedWriter(f, 1<<20, time.Hour)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /fast", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(400 * time.Millisecond)
		io.WriteString(w, "ok")
	})
	srv := &http.Server{Handler: logging.New(slog.New(slog.NewJSONHandler(buf, nil)))(mux)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	fmt.Printf("listening on %s\n", ln.Addr())
	go srv.Serve(ln)

	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.Shutdown(shutdownCtx))
	require.NoError(t, buf.Close())
}
