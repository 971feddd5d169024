package ratelimit

import (
	"context"
	"errors"
	"time"

	"github.com/ulule/limiter/v3"
)

// ululeStore counts in any ulule Store (WithStore). The store sees keys
// "<name>:<seconds>s:<client>", one per window, and adds its own prefix.
//
// A Store has no call that decides several keys at once, so the windows
// are taken one after the other: first Peek on each; if one has no room,
// the request is denied and nothing is added anywhere. Otherwise Increment
// on each; a request that lost a race (a window is over its limit after
// its Increment) is denied too, and stays counted in the windows it
// reached: never more than a window's limit passes, but a denied request
// may count. ulule's windows are its own: each starts at its key's first
// hit, and ends are known to the second.
type ululeStore struct {
	store   limiter.Store
	name    string
	windows []window
}

func (s *ululeStore) key(w *window, client []byte) string {
	return s.name + ":" + w.period + ":" + string(client)
}

func (s *ululeStore) take(ctx context.Context, client []byte, cost int64, st *[maxWindows]winState) (bool, error) {
	allowed := true
	for i := range s.windows {
		w := &s.windows[i]
		c, err := s.store.Peek(ctx, s.key(w, client), w.rate)
		if err != nil {
			return false, err
		}
		st[i] = fromUlule(c)
		if c.Reached || c.Remaining < cost {
			allowed = false
		}
	}
	if !allowed || cost == 0 {
		return allowed, nil
	}
	for i := range s.windows {
		w := &s.windows[i]
		c, err := s.store.Increment(ctx, s.key(w, client), cost, w.rate)
		if err != nil {
			return false, err
		}
		st[i] = fromUlule(c)
		if c.Reached {
			allowed = false
			st[i].count = c.Limit + cost // over, by how much is unknown
		}
	}
	return allowed, nil
}

// fromUlule reads a ulule Context. Its Reset is in whole seconds; the window
// ends within the second after it, so the later bound is used (a client is
// never told to come back early).
func fromUlule(c limiter.Context) winState {
	return winState{limit: c.Limit, count: c.Limit - c.Remaining, reset: time.Unix(c.Reset+1, 0)}
}

func (s *ululeStore) forget(ctx context.Context, client []byte) error {
	for i := range s.windows {
		w := &s.windows[i]
		if _, err := s.store.Reset(ctx, s.key(w, client), w.rate); err != nil {
			return err
		}
	}
	return nil
}

// errNoRefund is refund's answer: a Store has no way to tell the window a
// request was counted in from the next one, so New refuses WithRefund
// with WithStore and this is never reached.
var errNoRefund = errors.New("ratelimit: WithStore cannot refund")

func (s *ululeStore) refund(context.Context, []byte, int64, *[maxWindows]winState) error {
	return errNoRefund
}

// charge increments every window by n: a Store's Increment never refuses.
func (s *ululeStore) charge(ctx context.Context, client []byte, n int64) error {
	for i := range s.windows {
		w := &s.windows[i]
		if _, err := s.store.Increment(ctx, s.key(w, client), n, w.rate); err != nil {
			return err
		}
	}
	return nil
}
