package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/internal/redistest"
)

// TestAPIEndToEndRedis runs the program twice, as two instances sharing one
// real redis-server: the POST throttle is one limit across both.
func TestAPIEndToEndRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the program")
	}
	srv := redistest.Start(t)
	bin := buildAPI(t)
	url := "redis://" + srv.Addr + "/0"
	args := []string{"-redis", url, "-rate", "1000-M", "-post-rate", "3-M", "-timeout", "1500ms"}
	a := startAPI(t, bin, args...)
	b := startAPI(t, bin, args...)

	post := func(p *apiProcess) int {
		res, _ := do(t, "POST", p.url+"/articles", `{"title":"t"}`, "X-API-Key", "demo-key-alice")
		return res.StatusCode
	}
	// Three POSTs in all, whichever instance takes them; the fourth is
	// denied by either.
	assert.Equal(t, http.StatusCreated, post(a))
	assert.Equal(t, http.StatusCreated, post(b))
	assert.Equal(t, http.StatusCreated, post(a))
	assert.Equal(t, http.StatusTooManyRequests, post(b))
	assert.Equal(t, http.StatusTooManyRequests, post(a))

	// The counts live in Redis.
	keys, err := srv.Client(t).Keys(context.Background(), "*articles-post*").Result()
	require.NoError(t, err)
	assert.NotEmpty(t, keys)

	// Everything else behaves as with the in-memory store.
	res, _ := do(t, "GET", a.url+"/articles", "")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "1000", res.Header.Get("X-RateLimit-Limit"))

	a.stop(t)
	b.stop(t)
}
