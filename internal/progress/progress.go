// Package progress shows progress bars, with rate and time left, for long
// stages when a person is watching a terminal, and otherwise only counts.
package progress

import (
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
)

// A Bar counts work done towards a total and, when enabled, draws it. Its
// methods are safe for concurrent use and Add is cheap enough for a hot
// loop: the drawn bar is updated only every thousandth of the total, and
// drawn at most ten times a second.
type Bar struct {
	n     atomic.Int64
	shown atomic.Int64 // the count last handed to bar
	step  int64
	mu    sync.Mutex
	bar   *progressbar.ProgressBar // nil when not drawing
}

// unknownStep is how often a bar of unknown total is updated.
const unknownStep = 4096

// New returns a bar counting towards total (0 or less when unknown), drawn
// on w with the description desc when enabled — callers pass whether w is a
// terminal: logs collected from a pipe want no bars.
func New(w io.Writer, enabled bool, total int64, desc string) *Bar {
	b := &Bar{step: unknownStep}
	if total > 0 {
		b.step = max(total/1000, 1)
	} else {
		total = -1 // a spinner, in the library's terms
	}
	if enabled {
		b.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionOnCompletion(func() { io.WriteString(w, "\n") }),
		)
	}
	return b
}

// Add counts n more units of work done.
func (b *Bar) Add(n int) {
	c := b.n.Add(int64(n))
	if b.bar == nil || c-b.shown.Load() < b.step {
		return
	}
	b.sync()
}

// sync hands the count to the drawn bar.
func (b *Bar) sync() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c := b.n.Load(); c != b.shown.Load() {
		b.bar.Set64(c)
		b.shown.Store(c)
	}
}

// Count is the work counted so far.
func (b *Bar) Count() int64 { return b.n.Load() }

// Finish draws the final count and ends the bar's line.
func (b *Bar) Finish() {
	if b.bar == nil {
		return
	}
	b.sync()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bar.Finish()
}
