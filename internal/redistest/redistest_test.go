package redistest

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStartKillRestart(t *testing.T) {
	srv := Start(t)
	c := srv.Client(t)
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	srv.Kill()
	require.Error(t, ping(srv.Addr))
	srv.Restart()
	require.NoError(t, ping(srv.Addr))
	n, err := c.Exists(ctx, "k").Result()
	require.NoError(t, err)
	require.Zero(t, n, "no persistence: a restart starts empty")
}

func TestSkipsWithoutRedisServer(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("MW_REQUIRE_REDIS", "")
	var skipped bool
	t.Run("start", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Start(t)
	})
	require.True(t, skipped)
}

// fatalRecorder records Fatalf instead of failing the real test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestFailsWithoutRedisServerWhenRequired(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("MW_REQUIRE_REDIS", "1")
	r := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(r)
	}()
	<-done
	require.Contains(t, r.msg, "MW_REQUIRE_REDIS=1")
}

func TestStartCluster3(t *testing.T) {
	cl := StartCluster3(t)
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs})
	defer c.Close()
	ctx := context.Background()
	var masters atomic.Int32 // the callback runs on one goroutine per master
	require.NoError(t, c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		masters.Add(1)
		return nil
	}))
	require.EqualValues(t, 3, masters.Load())
	for i := range 30 {
		require.NoError(t, c.Set(ctx, "k"+strconv.Itoa(i), i, time.Minute).Err())
	}
	// Keys spread over the masters.
	used := 0
	for _, n := range cl.Nodes {
		rc := n.Client(t)
		if k, _ := rc.DBSize(ctx).Result(); k > 0 {
			used++
		}
	}
	require.Equal(t, 3, used)
}
