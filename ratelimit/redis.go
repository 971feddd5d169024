package ratelimit

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisPrefix is the first part of every Redis key.
const redisPrefix = "ratelimit"

// The Redis layout. A client is one string key, "ratelimit:{<name>:<client>}",
// holding 2+3n float64s packed big-endian (Lua's struct format ">d...") for
// a limiter of n windows: the client's epoch and the key's expiry (Unix ms
// on Redis's clock), then for each window (shortest period first) the
// index k of its current window, that window's count and the count of
// window k-1. Window k of period p spans [epoch+k*p, epoch+(k+1)*p). The
// key expires when none of its counts matters any more: when the longest
// window ends under FixedWindow (the next request starts a new epoch), one
// longest period later under SlidingWindow.
//
// Packed, and read and written as cheaply as Redis allows, because in a
// script every field, argument and reply element costs a conversion
// between Redis and Lua, and every command a dispatch: the hash this
// replaced (a field per number, a reply element per number) took about
// twice Redis's time per decision. The clock is the key's expiry minus its
// PTTL (TIME only for a new key), and a write that leaves the expiry alone
// is a SETRANGE over the old value. Sized to the limiter's windows rather
// than to the most a limiter can have, a one-window client is 40 bytes,
// and its decision costs Redis about a fifth less time than with the
// four-window layout this replaced. A value of another size (left by a
// deployment with another number of windows, or not ours) is not read:
// the client starts afresh.

// stateWords is how many float64s the state of a client of n windows
// holds: epoch and expiry, then k, count and previous count per window.
// layoutSource spells the same in Lua.
func stateWords(n int) int { return 2 + 3*n }

// layoutSource opens both scripts: floats(k) is the struct format of k
// float64s, and layout(config) reads a packed configuration (1+2n
// float64s, so its length gives n) and returns n, the state's size in
// float64s and the configuration unpacked: 1 for SlidingWindow (else 0),
// then each window's limit and period in ms.
const layoutSource = `
local function floats(k) return '>' .. string.rep('d', k) end
local function layout(config)
  local n = (#config / 8 - 1) / 2
  return n, 2 + 3*n, {struct.unpack(floats(1 + 2*n), config)}
end
`

// takeScript decides one request for all of a client's windows in one
// round trip, atomically (Redis runs a script alone). KEYS[1] is the
// client's key; ARGV[1] the cost; ARGV[2] "1" to add it whatever the limits
// (Charge), else "0"; ARGV[3] the limiter's configuration (see
// layoutSource). A window whose index moved on by one keeps its count as
// the previous one; by more, both are 0. The cost is added to every window
// if each has room for it, to none otherwise (with ARGV[2] "1": to every
// one). Under SlidingWindow a window's count is its own plus the previous
// one's times the share of it still inside a window ending now, rounded
// down (counts.weighted in Go computes the same). It returns two packed
// float64s, 1 if allowed (else 0) and Redis's time (Unix ms), followed by
// the state after the decision.
//
// Redis loads it lazily: Script.Run sends EVALSHA, and on NOSCRIPT (first
// use, a restart, SCRIPT FLUSH) EVAL with the source, which caches it again.
// It needs Redis 6.2 or later (SET PXAT).
var takeScript = redis.NewScript(takeSource)

const takeSource = layoutSource + `
local key, cost, force = KEYS[1], tonumber(ARGV[1]), ARGV[2] == '1'
local n, words, cfg = layout(ARGV[3])
local STATE = floats(words)
local sliding, plong = cfg[1], cfg[2*n+1]
local st, now
local ttl = redis.call('PTTL', key)
if ttl > 0 then
  local v = redis.pcall('GET', key)
  if type(v) == 'string' and #v == 8*words then -- else not ours: overwritten
    st = {struct.unpack(STATE, v)}
    now = st[2] - ttl
  end
end
if not st then
  local t = redis.call('TIME')
  now = t[1] * 1000 + math.floor(t[2] / 1000)
  st = {now}
  for i = 2, words do st[i] = 0 end
end
local el, allowed = now - st[1], 1
for i = 1, n do
  local limit, p, j = cfg[2*i], cfg[2*i+1], 3*i
  local k = math.floor(el / p)
  if k ~= st[j] then
    if k == st[j] + 1 then st[j+2] = st[j+1] else st[j+2] = 0 end
    st[j], st[j+1] = k, 0
  end
  local w = st[j+1]
  if sliding == 1 and st[j+2] > 0 then w = w + math.floor(st[j+2] * ((k+1)*p - el) / p) end
  if w + cost > limit and not force then allowed = 0 end
end
local write = allowed == 1 and cost > 0
if write then
  for i = 1, n do st[3*i+1] = st[3*i+1] + cost end
end
local expiry, old = st[1] + (st[3*n] + 1 + sliding) * plong, st[2]
st[2] = expiry
local v = struct.pack(STATE, unpack(st, 1, words))
if write then
  if expiry == old then
    redis.call('SETRANGE', key, 0, v)
  else
    redis.call('SET', key, v, 'PXAT', expiry)
  end
end
return struct.pack('>dd', allowed, now) .. v
`

// refundScript takes a refunded request back, in one round trip, from
// every window of the client that is still the one the request was
// counted in. KEYS[1] is the client's key; ARGV[1] the cost; ARGV[2] the
// configuration (as for takeScript); ARGV[3] the end (Unix ms) of each
// window the request was counted in, n packed float64s. A window is the same
// when its current window ends then (its count is refunded), or when its
// current window starts then (it has moved on by one since, and its
// previous count is refunded, which only weighs under SlidingWindow): a
// later window of the same epoch, or a new epoch (which starts no earlier
// than the old one expired), never matches. It returns how many windows
// were refunded.
var refundScript = redis.NewScript(refundSource)

const refundSource = layoutSource + `
local n, words, cfg = layout(ARGV[2])
local STATE = floats(words)
local v = redis.pcall('GET', KEYS[1])
if type(v) ~= 'string' or #v ~= 8*words then return 0 end
local cost, st = tonumber(ARGV[1]), {struct.unpack(STATE, v)}
local ends = {struct.unpack(floats(n), ARGV[3])}
local m = 0
for i = 1, n do
  local p, j = cfg[2*i+1], 3*i
  local e = st[1] + (st[j] + 1) * p
  if e == ends[i] then
    st[j+1], m = math.max(st[j+1] - cost, 0), m + 1
  elseif e - p == ends[i] then
    st[j+2], m = math.max(st[j+2] - cost, 0), m + 1
  end
end
if m > 0 then redis.call('SETRANGE', KEYS[1], 0, struct.pack(STATE, unpack(st, 1, words))) end
return m
`

// redisStore counts in Redis with takeScript. The braces of a client's
// key are a Redis Cluster hash tag: should the layout ever need more than
// one key per client, they all share one slot.
type redisStore struct {
	client  redis.UniversalClient
	head    string // "ratelimit:{<name>:"
	windows []window
	sliding bool
	config  any // ARGV[3]: the packed configuration, boxed once
}

func newRedisStore(client redis.UniversalClient, name string, ws []window, alg Algorithm) *redisStore {
	s := &redisStore{client: client, head: redisPrefix + ":{" + name + ":", windows: ws, sliding: alg == SlidingWindow}
	cfg := make([]float64, 1, 1+2*len(ws))
	if s.sliding {
		cfg[0] = 1
	}
	for _, w := range ws {
		cfg = append(cfg, float64(w.rate.Limit), float64(w.rate.Period.Milliseconds()))
	}
	s.config = packFloats(cfg)
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

// costOne is ARGV[1] for the usual cost, boxed once rather than per call.
var costOne any = "1"

func (s *redisStore) run(ctx context.Context, client []byte, cost int64, force string, st *[maxWindows]winState) (bool, error) {
	var costArg any = costOne
	if cost != 1 {
		costArg = cost
	}
	reply, err := takeScript.Run(ctx, s.client, []string{s.key(client)}, costArg, force, s.config).Text()
	if err != nil {
		return false, err
	}
	if len(reply) != 8*(2+stateWords(len(s.windows))) {
		return false, fmt.Errorf("ratelimit: unexpected script reply of %d bytes", len(reply))
	}
	// Read after the answer: the windows end no later than this plus their
	// time left on Redis's clock, so a client is never told to come back
	// early.
	at := time.Now()
	redisNow, epoch := int64(unpackFloat(reply, 1)), int64(unpackFloat(reply, 2))
	for i := range s.windows {
		p := s.windows[i].rate.Period.Milliseconds()
		k, count, prev := unpackFloat(reply, 4+3*i), unpackFloat(reply, 5+3*i), unpackFloat(reply, 6+3*i)
		end := epoch + (int64(k)+1)*p
		c := counts{count: int64(count), prev: int64(prev), left: end - redisNow, period: p}
		st[i] = windowState(c, s.windows[i].rate.Limit, s.sliding, at, time.Millisecond, end)
	}
	return unpackFloat(reply, 0) == 1, nil
}

func (s *redisStore) refund(ctx context.Context, client []byte, cost int64, st *[maxWindows]winState) error {
	var ends [maxWindows]float64
	for i := range s.windows {
		ends[i] = float64(st[i].end)
	}
	return refundScript.Run(ctx, s.client, []string{s.key(client)}, cost, s.config, packFloats(ends[:len(s.windows)])).Err()
}

func (s *redisStore) forget(ctx context.Context, client []byte) error {
	return s.client.Del(ctx, s.key(client)).Err()
}

// packFloats is vs as big-endian float64s: Lua's struct format ">d...".
func packFloats(vs []float64) string {
	b := make([]byte, 8*len(vs))
	for i, v := range vs {
		binary.BigEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
	return string(b)
}

// unpackFloat is the i-th big-endian float64 of s.
func unpackFloat(s string, i int) float64 {
	return math.Float64frombits(binary.BigEndian.Uint64([]byte(s[8*i : 8*i+8])))
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
