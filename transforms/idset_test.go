package transforms

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

func TestIDSetMatchesMap(t *testing.T) {
	gens := map[string]func(r *rand.Rand, i int) string{
		"sequential":     func(r *rand.Rand, i int) string { return fmt.Sprintf("A%d", i/2+r.IntN(3)) },
		"sparse numbers": func(r *rand.Rand, i int) string { return fmt.Sprintf("X%d", r.Uint64N(1e12)) },
		"leading zeros":  func(r *rand.Rand, i int) string { return fmt.Sprintf("B%0*d", r.IntN(4), r.IntN(3000)) },
		"many prefixes":  func(r *rand.Rand, i int) string { return fmt.Sprintf("P%d-%d", r.IntN(200), r.IntN(500)) },
		"no number":      func(r *rand.Rand, i int) string { return fmt.Sprintf("%dz", r.IntN(5000)) },
		"long numbers":   func(r *rand.Rand, i int) string { return fmt.Sprintf("L%d%d", r.Uint64(), r.IntN(10)) },
		"mixed": func(r *rand.Rand, i int) string {
			switch r.IntN(4) {
			case 0:
				return fmt.Sprint(r.IntN(20000))
			case 1:
				return fmt.Sprintf("A%d", r.IntN(20000))
			case 2:
				return fmt.Sprintf("A%05d", r.IntN(20000))
			}
			return fmt.Sprintf("S%d", r.Uint64N(1<<40))
		},
	}
	for name, gen := range gens {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			s, want := NewIDSet(), map[string]bool{}
			for i := range 200000 {
				id := gen(r, i)
				if got := s.Add(id); got != !want[id] {
					t.Fatalf("Add(%q) = %v after %d ids", id, got, i)
				}
				want[id] = true
			}
			if s.Len() != len(want) {
				t.Errorf("Len() = %d, want %d", s.Len(), len(want))
			}
		})
	}
}

func TestIDSetMemory(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := NewIDSet()
	buf := make([]byte, 0, 16)
	for i := range 5_000_000 {
		buf = fmt.Appendf(buf[:0], "A%d", i+1)
		s.Add(string(buf))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / 5e6
	t.Logf("%.3f bytes an id", per)
	if per > 0.5 {
		t.Errorf("%.2f bytes a sequential id", per)
	}
	runtime.KeepAlive(s)
}

func BenchmarkIDSetSequential(b *testing.B) {
	s := NewIDSet()
	ids := make([]string, 1<<16)
	for i := range ids {
		ids[i] = fmt.Sprintf("A%d", i+1)
	}
	for i := 0; b.Loop(); i++ {
		s.Add(ids[i&(len(ids)-1)])
	}
}
