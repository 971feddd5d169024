package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// memShards is how many independently locked parts the memory store has:
// enough that concurrent requests of different clients rarely wait for each
// other, few enough that each part's share of the size cap stays large.
const memShards = 64

// DefaultMaxKeys is the memory store's default size cap (WithMaxKeys):
// about a million clients, which take well under 200 MB.
const DefaultMaxKeys = 1 << 20

// memStore is the in-memory store: one entry per client holding every
// window, so that a decision over all windows is one lock and one map
// lookup, and is atomic. It is ours rather than ulule's memory cache
// because ulule's keeps one key per window behind one global lock, has no
// size cap, and reads the wall clock.
//
// Time is monotonic: nanoseconds since the store was made (time.Since
// reads the monotonic clock), so a wall clock step never ends or stretches
// a window.
//
// The windows of a client are aligned on its epoch, the instant of its
// first request: its window k of period p spans [epoch+k*p, epoch+(k+1)*p).
// Periods are seconds, minutes, hours and days, each a multiple of the
// shorter ones, so the shorter windows tile the longest. Each window keeps
// the count of its current index and of the one before (which only
// SlidingWindow weighs). An entry expires when none of its counts matters
// any more: under FixedWindow when its longest window ends (the client's
// next request starts a new epoch), under SlidingWindow one longest period
// later, and while the client keeps coming its epoch stays and its windows
// move on.
//
// Each shard keeps its entries in a list in the order they were last
// (re)started or, under SlidingWindow, their longest window last moved on;
// expired entries are removed from its head by any request to the shard
// (so no goroutine is needed), and when the shard is full the head is
// evicted. Under FixedWindow that order is exactly expiry order. Under
// SlidingWindow an entry expires one to two longest periods after it was
// placed, so the head may expire up to one period after an entry behind
// it: cleaning can lag by that much, and the size cap holds all the same.
type memStore struct {
	base    time.Time
	n       int // windows
	periods [maxWindows]int64
	limits  [maxWindows]int64
	sliding bool
	seed    maphash.Seed
	max     int // entries per shard
	shards  [memShards]memShard
}

type memShard struct {
	mu         sync.Mutex
	m          map[string]*memEntry
	head, tail *memEntry // see memStore
	_          [24]byte  // keeps neighbouring shards' locks off one cache line
}

// memEntry is one client. Its windows were all last moved on at last:
// window i's current index is (last-epoch)/period_i, which the entry need
// not store (the entry is 112 bytes; with its key and map slot a client
// takes about 184).
type memEntry struct {
	key         string
	prev, next  *memEntry
	epoch, last int64
	w           [maxWindows]memWindow
}

// memWindow is one window of an entry: the counts of its current window
// and of the one before.
type memWindow struct {
	count, prev int64
}

// newMemStore makes a store for ws whose limits are divided by share (at
// least 1 each): share is 1, or WithInstances' n for FallbackLocal.
func newMemStore(ws []window, alg Algorithm, share int64, maxKeys int) *memStore {
	s := &memStore{base: time.Now(), n: len(ws), sliding: alg == SlidingWindow, seed: maphash.MakeSeed()}
	for i := range ws {
		s.periods[i] = int64(ws[i].rate.Period)
		s.limits[i] = max(ws[i].rate.Limit/share, 1)
	}
	s.max = max(1, (maxKeys+memShards-1)/memShards)
	for i := range s.shards {
		s.shards[i].m = make(map[string]*memEntry)
	}
	return s
}

// take decides cost for client in every window at once: it is added to all
// of them if every one has room for it, to none otherwise.
func (s *memStore) take(_ context.Context, client []byte, cost int64, st *[maxWindows]winState) (bool, error) {
	return s.add(client, cost, false, st), nil
}

// charge adds n to every window of client, whatever their limits.
func (s *memStore) charge(_ context.Context, client []byte, n int64) error {
	var st [maxWindows]winState
	s.add(client, n, true, &st)
	return nil
}

// add is take, and with force charge.
func (s *memStore) add(client []byte, cost int64, force bool, st *[maxWindows]winState) bool {
	sh := &s.shards[maphash.Bytes(s.seed, client)%memShards]
	sh.mu.Lock()
	// The clock is read under the lock, so that entries enter each list in
	// order.
	now := int64(time.Since(s.base))
	s.dropExpired(sh, now, 2)
	e := sh.m[string(client)]
	switch {
	case e == nil:
		if len(sh.m) >= s.max {
			sh.remove(sh.head)
		}
		e = &memEntry{key: string(client)}
		sh.m[e.key] = e
		s.restart(e, now)
		sh.pushBack(e)
	case now >= s.expiry(e):
		sh.unlink(e)
		s.restart(e, now)
		sh.pushBack(e)
	}
	expires := s.expiry(e)
	allowed := true
	var cs [maxWindows]counts
	for i := 0; i < s.n; i++ {
		w, p := &e.w[i], s.periods[i]
		was, k := (e.last-e.epoch)/p, (now-e.epoch)/p
		if k != was {
			w.prev = 0
			if k == was+1 {
				w.prev = w.count
			}
			w.count = 0
		}
		cs[i] = counts{count: w.count, prev: w.prev, left: e.epoch + (k+1)*p - now, period: p}
		if cs[i].weighted(s.sliding)+cost > s.limits[i] && !force {
			allowed = false
		}
	}
	if allowed {
		for i := 0; i < s.n; i++ {
			e.w[i].count += cost
			cs[i].count += cost
		}
	}
	e.last = now
	if s.expiry(e) != expires {
		// SlidingWindow: the longest window moved on, which keeps the
		// entry another period.
		sh.unlink(e)
		sh.pushBack(e)
	}
	sh.mu.Unlock()
	at := s.base.Add(time.Duration(now))
	for i := 0; i < s.n; i++ {
		st[i] = windowState(cs[i], s.limits[i], s.sliding, at, time.Nanosecond, now+cs[i].left)
	}
	return allowed
}

// restart starts a new epoch for e at now, with every count at zero.
func (s *memStore) restart(e *memEntry, now int64) {
	e.epoch, e.last = now, now
	e.w = [maxWindows]memWindow{}
}

// expiry is when none of e's counts matters any more: when its longest
// window ends, or under SlidingWindow one period after.
func (s *memStore) expiry(e *memEntry) int64 {
	p := s.periods[s.n-1]
	end := e.currentEnd(p)
	if s.sliding {
		end += p
	}
	return end
}

// currentEnd is when e's current window of period p ends: the one its
// last request counted in.
func (e *memEntry) currentEnd(p int64) int64 {
	return e.epoch + ((e.last-e.epoch)/p+1)*p
}

// refund takes cost back from each window of client that is still the one
// st[i].end names: as its current count, or as its previous one if it has
// moved on by one since (that count only weighs under SlidingWindow).
func (s *memStore) refund(_ context.Context, client []byte, cost int64, st *[maxWindows]winState) error {
	sh := &s.shards[maphash.Bytes(s.seed, client)%memShards]
	sh.mu.Lock()
	if e := sh.m[string(client)]; e != nil {
		for i := 0; i < s.n; i++ {
			// A window is moved on only by the client's next request, so
			// its end is compared, not the clock.
			w, p := &e.w[i], s.periods[i]
			switch end := e.currentEnd(p); st[i].end {
			case end:
				w.count = max(w.count-cost, 0)
			case end - p:
				w.prev = max(w.prev-cost, 0)
			}
		}
	}
	sh.mu.Unlock()
	return nil
}

// forget removes client.
func (s *memStore) forget(_ context.Context, client []byte) error {
	sh := &s.shards[maphash.Bytes(s.seed, client)%memShards]
	sh.mu.Lock()
	if e := sh.m[string(client)]; e != nil {
		sh.remove(e)
	}
	sh.mu.Unlock()
	return nil
}

// len is the number of clients held, expired ones included.
func (s *memStore) len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

// dropExpired removes up to n expired entries from the head: a little
// cleaning on every request keeps memory following the active clients.
func (s *memStore) dropExpired(sh *memShard, now int64, n int) {
	for ; n > 0 && sh.head != nil && now >= s.expiry(sh.head); n-- {
		sh.remove(sh.head)
	}
}

func (sh *memShard) remove(e *memEntry) {
	sh.unlink(e)
	delete(sh.m, e.key)
}

func (sh *memShard) pushBack(e *memEntry) {
	e.prev, e.next = sh.tail, nil
	if sh.tail != nil {
		sh.tail.next = e
	} else {
		sh.head = e
	}
	sh.tail = e
}

func (sh *memShard) unlink(e *memEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		sh.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		sh.tail = e.prev
	}
	e.prev, e.next = nil, nil
}
