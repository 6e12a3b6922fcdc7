//go:build !race

package e2e

// raceEnabled is set when the race detector is on.
const raceEnabled = false
