//go:build race

// Package race reports whether the race detector is built in, for the tests
// that bound allocations: its instrumentation changes how much a program
// allocates, so those tests skip under -race, and .ci/run runs the
// library's tests once more without it.
package race

// Enabled reports whether the race detector is built in.
const Enabled = true
