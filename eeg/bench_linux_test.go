//go:build linux

package eeg_test

import (
	"encoding/json"
	"runtime"
	"syscall"
	"testing"
	"unsafe"

	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/eeg/eegtest"
)

// threadCPU returns the CPU time the calling OS thread has used.
func threadCPU() int64 {
	const clockThreadCPUTimeID = 3
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

// BenchmarkDecodeRatio alternates eeg.Decode and encoding/json in small
// batches on one locked OS thread and compares the thread's CPU time, so
// that a shared, busy machine (where wall-clock ns/op swing several fold)
// slows neither side. It reports "x_faster" (encoding/json time over eeg
// time) and each side's CPU ns per message. The garbage collector's
// background work, which only encoding/json causes much of, is not
// counted: the ratio is conservative.
func BenchmarkDecodeRatio(b *testing.B) {
	b.Run("bandpower", func(b *testing.B) { benchRatio[jBandpower](b, eegtest.JSON["bandpower"]) })
	b.Run("metrics", func(b *testing.B) { benchRatio[jMetrics](b, eegtest.JSON["metrics"]) })
}

func benchRatio[T any](b *testing.B, body string) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	data := []byte(body)
	const batch = 16
	var own, std int64
	for b.Loop() {
		t0 := threadCPU()
		for range batch {
			if _, err := eeg.Decode(data); err != nil {
				b.Fatal(err)
			}
		}
		t1 := threadCPU()
		for range batch {
			var v T
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
		own += t1 - t0
		std += threadCPU() - t1
	}
	b.ReportMetric(float64(std)/float64(own), "x_faster")
	b.ReportMetric(float64(own)/float64(b.N*batch), "eeg_cpu_ns/msg")
	b.ReportMetric(float64(std)/float64(b.N*batch), "json_cpu_ns/msg")
}
