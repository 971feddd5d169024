//go:build !race

package respwriter

const raceEnabled = false
