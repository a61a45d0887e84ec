package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

func TestDisabledCountsAndDrawsNothing(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, false, 1000, "reading feeds")
	for range 10 {
		b.Add(7)
	}
	b.Finish()
	if b.Count() != 70 {
		t.Errorf("Count = %d, want 70", b.Count())
	}
	if buf.Len() != 0 {
		t.Errorf("disabled bar wrote %q", buf.String())
	}
}

func TestEnabledDraws(t *testing.T) {
	for _, tc := range []struct {
		name  string
		total int64
		want  []string
	}{
		{"known total", 5000, []string{"writing parquet", "100%", "5000/5000"}},
		{"unknown total", 0, []string{"writing parquet", "5000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			b := New(&buf, true, tc.total, "writing parquet")
			var wg sync.WaitGroup
			for range 5 {
				wg.Go(func() {
					for range 1000 {
						b.Add(1)
					}
				})
			}
			wg.Wait()
			b.Finish()
			if b.Count() != 5000 {
				t.Errorf("Count = %d, want 5000", b.Count())
			}
			out := buf.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("bar output lacks %q:\n%q", w, out)
				}
			}
			if !strings.HasSuffix(out, "\n") {
				t.Errorf("bar output does not end its line: %q", out)
			}
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	for _, enabled := range []bool{false, true} {
		name := "disabled"
		if enabled {
			name = "enabled"
		}
		b.Run(name, func(b *testing.B) {
			var buf bytes.Buffer
			// A stage of 16M rows: the bar is redrawn every 16k.
			bar := New(&buf, enabled, 1<<24, "bench")
			for b.Loop() {
				bar.Add(1)
			}
			bar.Finish()
		})
	}
}
