package ratelimit

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDenyCacheIsBounded(t *testing.T) {
	c := newDenyCache(100)
	now := time.Now()
	for i := range 1000 {
		c.add([]byte(strconv.Itoa(i)), decision{now: now, denyUntil: now.Add(time.Minute)})
		assert.LessOrEqual(t, c.len(), 100)
	}
	assert.Equal(t, 100, c.len())
	_, ok := c.lookup([]byte("999"), now)
	assert.True(t, ok, "the newest entry is kept")
}

func TestDenyCacheExpires(t *testing.T) {
	c := newDenyCache(10)
	now := time.Now()
	c.add([]byte("a"), decision{now: now, denyUntil: now.Add(time.Second)})
	_, ok := c.lookup([]byte("a"), now.Add(999*time.Millisecond))
	assert.True(t, ok)
	_, ok = c.lookup([]byte("a"), now.Add(time.Second))
	assert.False(t, ok, "never past the window's earliest reset")

	// Full of expired entries: they are swept, not random live ones.
	for i := range 10 {
		c.add([]byte(strconv.Itoa(i)), decision{now: now, denyUntil: now.Add(time.Millisecond)})
	}
	later := now.Add(2 * time.Second)
	c.add([]byte("live"), decision{now: later, denyUntil: later.Add(time.Minute)})
	assert.Equal(t, 1, c.len())
	c.remove("live")
	assert.Zero(t, c.len())
}
