//go:build !race

package testutil

// RaceEnabled reports whether the race detector is on: it adds
// allocations, so tests skip allocation counts under it.
const RaceEnabled = false
