package fhir

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
)

// BenchmarkDecodeEvent decodes and maps Encounter lines as the Writer
// writes them, on one goroutine, from memory: the cost of the JSON alone.
// Its thread is locked and its own CPU time is reported beside wall time
// (cpu-ns/op), which other work on a busy machine does not inflate.
func BenchmarkDecodeEvent(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	dir := b.TempDir()
	w, err := NewWriter(dir)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 2000 {
		e := canonical.Event{SourceID: "A" + string(rune('0'+i%10)), PersonKey: "9990000018", Date: canonical.MakeDate(2023, 5, 4), Minute: 600,
			Service: canonical.Services()[i%7], Provider: "RR8", CodeSystem: "SNOMED", Code: "22298006", LengthOfStay: 3}
		if err := w.Event(&e, 0); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "Encounter.ndjson"))
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	f := &Feed{name: "b", opts: testOptions(), patients: transforms.NewPersonRefs(), orgs: map[string]string{}, files: []input{{kind: "Encounter"}}}
	d := &decoder{opts: &f.opts}
	b.SetBytes(int64(len(data)) / int64(len(lines)))
	b.ReportAllocs()
	var o eventOut
	i := 0
	cpu0 := threadCPU(b)
	defer func() { b.ReportMetric(float64(threadCPU(b)-cpu0)/float64(i), "cpu-ns/op") }()
	for b.Loop() {
		r := resource{kind: "Encounter", data: lines[i%len(lines)]}
		i++
		o = eventOut{}
		if !f.event(d, &r, &o) || o.reason != "" {
			b.Fatalf("%+v", o)
		}
	}
}

// threadCPU returns the CPU time the calling thread has used.
func threadCPU(b *testing.B) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
