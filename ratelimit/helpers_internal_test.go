package ratelimit

import (
	"hash/maphash"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/ulule/limiter/v3"
)

func mustRate(t testing.TB, s string) limiter.Rate {
	rs, err := parseRates(s)
	require.NoError(t, err)
	return rs[0]
}

func maphashOf(s *memStore, k string) uint64 { return maphash.String(s.seed, k) }
