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
// first request: window i spans [epoch+k*p_i, epoch+(k+1)*p_i). Periods are
// seconds, minutes, hours and days, each a multiple of the shorter ones, so
// every window ends when the longest does, and an entry expires exactly
// when its longest window ends. Each shard keeps its entries in a list
// ordered by epoch, which is then also expiry order: expired entries are
// found at its head (and removed by any request to the shard, so no
// goroutine is needed), and when the shard is full the head is the right
// victim either way: expired if anything is, else the oldest.
type memStore struct {
	base    time.Time
	n       int // windows
	periods [maxWindows]int64
	limits  [maxWindows]int64
	seed    maphash.Seed
	max     int // entries per shard
	shards  [memShards]memShard
}

type memShard struct {
	mu         sync.Mutex
	m          map[string]*memEntry
	head, tail *memEntry // epoch order, oldest first
	_          [24]byte  // keeps neighbouring shards' locks off one cache line
}

type memEntry struct {
	key        string
	prev, next *memEntry
	epoch      int64
	w          [maxWindows]memWindow
}

type memWindow struct {
	count int64
	end   int64 // when the window the count belongs to ends
}

// newMemStore makes a store for ws whose limits are divided by share (at
// least 1 each): share is 1, or WithInstances' n for FallbackLocal.
func newMemStore(ws []window, share int64, maxKeys int) *memStore {
	s := &memStore{base: time.Now(), n: len(ws), seed: maphash.MakeSeed()}
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
	// The clock is read under the lock, so that epochs enter each list in
	// order.
	now := int64(time.Since(s.base))
	sh.dropExpired(now, s.periods[s.n-1], 2)
	e := sh.m[string(client)]
	if e == nil {
		if len(sh.m) >= s.max {
			sh.remove(sh.head)
		}
		e = &memEntry{key: string(client), epoch: now}
		sh.m[e.key] = e
		sh.pushBack(e)
		s.startEpoch(e, now)
	} else if now >= e.w[s.n-1].end {
		e.epoch = now
		sh.unlink(e)
		sh.pushBack(e)
		s.startEpoch(e, now)
	}
	allowed := true
	for i := 0; i < s.n; i++ {
		w := &e.w[i]
		if now >= w.end {
			p := s.periods[i]
			w.count, w.end = 0, e.epoch+((now-e.epoch)/p+1)*p
		}
		if w.count+cost > s.limits[i] && !force {
			allowed = false
		}
	}
	for i := 0; i < s.n; i++ {
		if allowed {
			e.w[i].count += cost
		}
		st[i] = winState{limit: s.limits[i], count: e.w[i].count, reset: s.base.Add(time.Duration(e.w[i].end)), end: e.w[i].end}
	}
	sh.mu.Unlock()
	return allowed
}

func (s *memStore) startEpoch(e *memEntry, now int64) {
	for i := 0; i < s.n; i++ {
		e.w[i] = memWindow{end: now + s.periods[i]}
	}
}

// refund takes cost back from each window of client that is still the one
// st[i].end names.
func (s *memStore) refund(_ context.Context, client []byte, cost int64, st *[maxWindows]winState) error {
	sh := &s.shards[maphash.Bytes(s.seed, client)%memShards]
	sh.mu.Lock()
	if e := sh.m[string(client)]; e != nil {
		for i := 0; i < s.n; i++ {
			// A window that ended stays stored until the next request of
			// the client moves it on, so its end is compared, not the clock.
			if w := &e.w[i]; w.end == st[i].end {
				w.count = max(w.count-cost, 0)
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
func (sh *memShard) dropExpired(now, longest int64, n int) {
	for ; n > 0 && sh.head != nil && now >= sh.head.epoch+longest; n-- {
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
