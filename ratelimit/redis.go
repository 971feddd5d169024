package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisPrefix is the first part of every Redis key.
const redisPrefix = "ratelimit"

// takeScript decides one request for all of a client's windows in one
// round trip, atomically (Redis runs a script alone), in three commands
// whatever the number of windows.
//
// KEYS[1] is the client's hash; ARGV[1] is the cost, ARGV[2] "1" to add it
// whatever the limits (Charge) or "0" to decide, then each window's limit
// and period in milliseconds, shortest first. The hash holds the
// client's epoch (field e, Unix ms on Redis's clock) and, per window i,
// the index k<i> of the window its count c<i> belongs to; it expires when
// the longest window ends, which ends the epoch. Window i's current index
// is floor(elapsed/period_i), elapsed being the time since the epoch (the
// longest period minus the hash's TTL); a stored count of another index is
// 0. The cost is added to every window if each has room for it, to none
// otherwise (with ARGV[2] "1": to every one). It returns {allowed (1 or 0), count_1..count_n,
// ttl_1..ttl_n (ms), end_1..end_n (Unix ms on Redis's clock)}.
//
// Redis loads it lazily: Script.Run sends EVALSHA, and on NOSCRIPT (first
// use, a restart, SCRIPT FLUSH) EVAL with the source, which caches it again.
var takeScript = redis.NewScript(takeSource)

const takeSource = `
local FIELDS = {'e', 'k1', 'c1', 'k2', 'c2', 'k3', 'c3', 'k4', 'c4'}
local key = KEYS[1]
local cost = tonumber(ARGV[1])
local force = ARGV[2] == '1'
local n = (#ARGV - 2) / 2
local plong = tonumber(ARGV[2*n+2])
local ttl = redis.call('PTTL', key)
local vals, epoch, elapsed
if ttl > 0 and ttl <= plong then -- a longer TTL is another configuration's: start afresh
  vals = redis.call('HMGET', key, unpack(FIELDS, 1, 2*n+1))
  epoch = tonumber(vals[1])
  elapsed = plong - ttl
end
local fresh = not epoch
if fresh then
  local t = redis.call('TIME')
  epoch, elapsed, ttl = t[1] * 1000 + math.floor(t[2] / 1000), 0, plong
end
local allowed = 1
local counts, ks, ttls = {}, {}, {}
for i = 1, n do
  local limit, p = tonumber(ARGV[2*i+1]), tonumber(ARGV[2*i+2])
  local k = math.floor(elapsed / p)
  local c = 0
  if not fresh and tonumber(vals[2*i]) == k then c = tonumber(vals[2*i+1]) end
  counts[i], ks[i], ttls[i] = c, k, (k + 1) * p - elapsed
  if c + cost > limit and not force then allowed = 0 end
end
ttls[n] = ttl
if allowed == 1 and cost > 0 then
  local set = {'e', epoch}
  for i = 1, n do
    counts[i] = counts[i] + cost
    set[4*i-1], set[4*i], set[4*i+1], set[4*i+2] = FIELDS[2*i], ks[i], FIELDS[2*i+1], counts[i]
  end
  redis.call('HSET', key, unpack(set))
  if fresh then redis.call('PEXPIRE', key, plong) end
end
local out = {allowed}
for i = 1, n do
  out[1+i], out[1+n+i] = counts[i], ttls[i]
  out[1+2*n+i] = epoch + (ks[i] + 1) * tonumber(ARGV[2*i+2])
end
return out
`

// refundScript takes a refunded request back, in one round trip, from
// every window of the client's hash (takeScript's layout) that is still the
// one the request was counted in. KEYS[1] is the hash; ARGV[1] the cost,
// then each window's period in milliseconds and the end takeScript
// returned for it (Unix ms). Window i is the same when epoch + (k<i>+1) *
// period equals that end: a later window of the same epoch, or a new epoch
// (which starts no earlier than the old one's longest window ends), always
// ends later. It returns how many windows were refunded.
var refundScript = redis.NewScript(refundSource)

const refundSource = `
local FIELDS = {'e', 'k1', 'c1', 'k2', 'c2', 'k3', 'c3', 'k4', 'c4'}
local key = KEYS[1]
local cost = tonumber(ARGV[1])
local n = (#ARGV - 1) / 2
local vals = redis.call('HMGET', key, unpack(FIELDS, 1, 2*n+1))
local epoch = tonumber(vals[1])
if not epoch then return 0 end
local set, m = {}, 0
for i = 1, n do
  local k, c = tonumber(vals[2*i]), tonumber(vals[2*i+1])
  if k and c and epoch + (k + 1) * tonumber(ARGV[2*i]) == tonumber(ARGV[2*i+1]) then
    m = m + 1
    set[2*m-1], set[2*m] = FIELDS[2*i+1], math.max(c - cost, 0)
  end
end
if m > 0 then redis.call('HSET', key, unpack(set)) end
return m
`

// redisStore counts in Redis with takeScript. A client is one hash,
// "ratelimit:{<name>:<client>}"; the braces are a Redis Cluster hash tag,
// which keeps every key of one client in one slot should the layout ever
// need more than one.
type redisStore struct {
	client  redis.UniversalClient
	head    string // "ratelimit:{<name>:"
	windows []window
	fixed   []any // the limits and periods, after the cost in ARGV
}

func newRedisStore(client redis.UniversalClient, name string, ws []window) *redisStore {
	s := &redisStore{client: client, head: redisPrefix + ":{" + name + ":", windows: ws}
	for _, w := range ws {
		s.fixed = append(s.fixed, w.limit, strconv.FormatInt(w.rate.Period.Milliseconds(), 10))
	}
	return s
}

func (s *redisStore) key(client []byte) string { return s.head + string(client) + "}" }

func (s *redisStore) take(ctx context.Context, client []byte, cost int64, st *[maxWindows]winState) (bool, error) {
	return s.run(ctx, client, cost, "0", st)
}

func (s *redisStore) charge(ctx context.Context, client []byte, n int64) error {
	var st [maxWindows]winState
	_, err := s.run(ctx, client, n, "1", &st)
	return err
}

func (s *redisStore) run(ctx context.Context, client []byte, cost int64, force string, st *[maxWindows]winState) (bool, error) {
	n := len(s.windows)
	args := make([]any, 2, 2+len(s.fixed))
	args[0], args[1] = cost, force
	args = append(args, s.fixed...)
	vals, err := takeScript.Run(ctx, s.client, []string{s.key(client)}, args...).Int64Slice()
	if err != nil {
		return false, err
	}
	if len(vals) != 1+3*n {
		return false, fmt.Errorf("ratelimit: unexpected script reply %v", vals)
	}
	// Read after the answer: the windows end no later than this plus their
	// TTL, so a client is never told to come back early.
	now := time.Now()
	for i := 0; i < n; i++ {
		st[i] = winState{
			limit: s.windows[i].rate.Limit,
			count: vals[1+i],
			reset: now.Add(time.Duration(vals[1+n+i]) * time.Millisecond),
			end:   vals[1+2*n+i],
		}
	}
	return vals[0] == 1, nil
}

func (s *redisStore) refund(ctx context.Context, client []byte, cost int64, st *[maxWindows]winState) error {
	n := len(s.windows)
	args := make([]any, 1, 1+2*n)
	args[0] = cost
	for i := 0; i < n; i++ {
		args = append(args, s.windows[i].rate.Period.Milliseconds(), st[i].end)
	}
	return refundScript.Run(ctx, s.client, []string{s.key(client)}, args...).Err()
}

func (s *redisStore) forget(ctx context.Context, client []byte) error {
	return s.client.Del(ctx, s.key(client)).Err()
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
