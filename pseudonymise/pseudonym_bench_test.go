//go:build linux

package pseudonymise

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkPseudonymCore measures pseudonyms per second of one core: the
// benchmark's thread is locked and its own CPU time (RUSAGE_THREAD) is the
// clock, so that other work on a busy machine does not count against it.
// Wall-clock ns/op is reported as usual beside it.
func BenchmarkPseudonymCore(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ps := NewPseudonymiser(DemoKey())
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("999%07d", i)
	}
	b.ReportAllocs()
	var sink Pseudonym
	n := 0
	cpu0 := threadCPU(b)
	for ; b.Loop(); n++ {
		sink = ps.Pseudonym(keys[n&1023])
	}
	cpu := threadCPU(b) - cpu0
	_ = sink
	b.ReportMetric(float64(n)/cpu.Seconds(), "pseudonyms/cpu-s")
}

// threadCPU returns the CPU time the calling thread has used.
func threadCPU(b *testing.B) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
