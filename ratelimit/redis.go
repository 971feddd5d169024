package ratelimit

import (
	"context"
	"crypto/sha1"
	"encoding/hex"

	"github.com/redis/go-redis/v9"
	"github.com/ulule/limiter/v3"
	redisstore "github.com/ulule/limiter/v3/drivers/store/redis"
)

// redisPrefix is the first part of every Redis key.
const redisPrefix = "ratelimit"

// newRedisStore builds ulule's Redis store without talking to Redis.
//
// ulule's constructor loads its two Lua scripts with SCRIPT LOAD and fails
// when Redis is down, which would make New fail too. Its store is otherwise
// lazy: an EVALSHA answered NOSCRIPT makes it load the scripts again and
// retry, with the request's context. So during construction it is given a
// client whose SCRIPT LOAD answers locally with the script's SHA1 (which is
// what Redis itself answers: a script's SHA is the SHA1 of its text). The
// first EVALSHA then meets NOSCRIPT and ulule's own reload path loads the
// scripts for real, within the store timeout; so does every EVALSHA after a
// Redis restart or a SCRIPT FLUSH. Counting stays ulule's: INCRBY, and
// PEXPIRE on a key's first hit, in one script per window key.
func newRedisStore(client redis.UniversalClient) limiter.Store {
	c := &lazyScripts{UniversalClient: client, offline: true}
	s, err := redisstore.NewStoreWithOptions(c, limiter.StoreOptions{Prefix: redisPrefix})
	if err != nil {
		// Cannot happen: nothing in the constructor reaches Redis.
		panic("ratelimit: ulule redis store: " + err.Error())
	}
	c.offline = false // before any request: the store is not shared yet
	return s
}

// lazyScripts is a go-redis client whose SCRIPT LOAD stays local while
// offline is set (see newRedisStore).
type lazyScripts struct {
	redis.UniversalClient
	offline bool
}

func (c *lazyScripts) ScriptLoad(ctx context.Context, script string) *redis.StringCmd {
	if c.offline {
		sum := sha1.Sum([]byte(script))
		return redis.NewStringResult(hex.EncodeToString(sum[:]), nil)
	}
	return c.UniversalClient.ScriptLoad(ctx, script)
}

// redisHonoursContext reports whether client gives up at a context's
// deadline (ContextTimeoutEnabled), so that a store call can be bounded
// without a goroutine.
func redisHonoursContext(client redis.UniversalClient) bool {
	switch c := client.(type) {
	case *redis.Client:
		return c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		return c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		return c.Options().ContextTimeoutEnabled
	}
	return false
}
