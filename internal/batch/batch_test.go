package batch

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestWriterOrder(t *testing.T) {
	tests := []struct{ n, size, batches int }{
		{0, 4, 2},
		{1, 4, 2},
		{4, 4, 2},
		{5, 4, 2},
		{1000, 7, 3},
		{1000, 1, 1}, // sizes below the minimum are raised
		{10000, 4096, 4},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("n=%d,size=%d,batches=%d", tt.n, tt.size, tt.batches), func(t *testing.T) {
			var got []int
			w := NewWriter(tt.size, tt.batches, func(b []int) error {
				if len(b) == 0 || len(b) > max(tt.size, 1) {
					t.Errorf("batch of %d values", len(b))
				}
				got = append(got, b...)
				return nil
			})
			for i := range tt.n {
				if err := w.Add(&i); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			want := make([]int, tt.n)
			for i := range want {
				want[i] = i
			}
			if !slices.Equal(got, want) && !(len(got) == 0 && tt.n == 0) {
				t.Errorf("consumer saw %d values, out of order or incomplete", len(got))
			}
		})
	}
}

// Values built in place with Next and Commit reach the consumer as added
// ones do, in order; a value built and not committed never does.
func TestWriterNextCommit(t *testing.T) {
	var got []int
	w := NewWriter(5, 2, func(b []int) error {
		got = append(got, b...)
		return nil
	})
	var want []int
	for i := range 23 {
		switch {
		case i%3 == 0:
			*w.Next() = -i // built, then dropped: the next value overwrites it
		case i%3 == 1:
			*w.Next() = i
			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
			want = append(want, i)
			continue
		}
		if err := w.Add(&i); err != nil {
			t.Fatal(err)
		}
		want = append(want, i)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("consumer saw %v, want %v", got, want)
	}
}

func TestWriterError(t *testing.T) {
	errDisk := errors.New("disk full")
	calls := 0
	w := NewWriter(10, 2, func(b []int) error {
		calls++
		if calls == 2 {
			return errDisk
		}
		return nil
	})
	var addErr error
	for i := 0; i < 1000 && addErr == nil; i++ {
		addErr = w.Add(&i)
	}
	if !errors.Is(addErr, errDisk) {
		t.Errorf("Add after the consumer failed: %v, want %v", addErr, errDisk)
	}
	if err := w.Close(); !errors.Is(err, errDisk) {
		t.Errorf("Close: %v, want %v", err, errDisk)
	}
	if err := w.Close(); !errors.Is(err, errDisk) {
		t.Errorf("second Close: %v, want %v", err, errDisk)
	}
	if calls != 2 {
		t.Errorf("consume called %d times; want no calls after the error", calls)
	}
}

func TestWriterNoAllocs(t *testing.T) {
	w := NewWriter(64, 3, func([]int) error { return nil })
	defer w.Close()
	v := 1
	if n := testing.AllocsPerRun(10000, func() { w.Add(&v) }); n != 0 {
		t.Errorf("Add: %v allocations per value", n)
	}
	if n := testing.AllocsPerRun(10000, func() { *w.Next() = v; w.Commit() }); n != 0 {
		t.Errorf("Next and Commit: %v allocations per value", n)
	}
}

func BenchmarkWriter(b *testing.B) {
	type row struct {
		id   [16]byte
		a, b string
		n    int64
	}
	w := NewWriter(4096, 4, func([]row) error { return nil })
	r := row{a: "provider", b: "code"}
	for b.Loop() {
		w.Add(&r)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}
