// Package batch moves values from a producer to a consumer goroutine in
// reused batches, so that two stages of a stream — reading and validating a
// feed on one core, encoding Parquet on the other — overlap, while the
// consumer still sees every value once and in order.
package batch

import "sync/atomic"

// Writer collects values into batches and hands each full batch to a
// function running on its own goroutine. A fixed set of batches circulates
// between the two, so memory is bounded by size × batches values and nothing
// is allocated per value. Add and Close must be called from one goroutine,
// and Close must be called, after an error too, to stop the consumer.
type Writer[T any] struct {
	full chan []T
	free chan []T
	cur  []T
	done chan struct{}
	err  atomic.Pointer[error] // the consumer's first error
}

// NewWriter starts a Writer that calls consume with batches of up to size
// values, with at most batches of them in flight. consume must not keep the
// slice: it is reused once consume returns. After consume returns an error
// the values that follow are dropped, and Add and Close return the error.
func NewWriter[T any](size, batches int, consume func([]T) error) *Writer[T] {
	size, batches = max(size, 1), max(batches, 2)
	w := &Writer[T]{
		full: make(chan []T, batches),
		free: make(chan []T, batches),
		cur:  make([]T, 0, size),
		done: make(chan struct{}),
	}
	for range batches - 1 {
		w.free <- make([]T, 0, size)
	}
	go w.run(consume)
	return w
}

func (w *Writer[T]) run(consume func([]T) error) {
	defer close(w.done)
	for b := range w.full {
		if w.err.Load() == nil {
			if err := consume(b); err != nil {
				w.err.Store(&err)
			}
		}
		clear(b) // drop the references the values hold before reuse
		w.free <- b[:0]
	}
}

// Add copies *v into the current batch and hands the batch over when it is
// full, waiting for a free one. Once the consumer has failed it returns the
// consumer's error.
func (w *Writer[T]) Add(v *T) error {
	*w.Next() = *v
	return w.Commit()
}

// Next returns the place in the current batch of the value to be added
// next, for the producer to build it there rather than copy it in (a
// 200-byte activity row, ten million times); Commit adds it. What is
// written there and not committed is overwritten by the next value. Not
// to be called after Close.
func (w *Writer[T]) Next() *T {
	return &w.cur[:len(w.cur)+1][len(w.cur)]
}

// Commit adds the value built at Next, as Add adds a copy.
func (w *Writer[T]) Commit() error {
	if err := w.err.Load(); err != nil {
		return *err
	}
	w.cur = w.cur[:len(w.cur)+1]
	if len(w.cur) == cap(w.cur) {
		w.full <- w.cur
		w.cur = <-w.free
	}
	return nil
}

// Close hands over the last batch, waits for the consumer to finish and
// returns its first error. Calling it again returns the same error.
func (w *Writer[T]) Close() error {
	if w.cur != nil {
		if len(w.cur) > 0 {
			w.full <- w.cur
		}
		w.cur = nil
		close(w.full)
	}
	<-w.done
	if err := w.err.Load(); err != nil {
		return *err
	}
	return nil
}

// Each returns a consumer for NewWriter that calls f with each value of a
// batch in turn, stopping at the first error.
func Each[T any](f func(*T) error) func([]T) error {
	return func(b []T) error {
		for i := range b {
			if err := f(&b[i]); err != nil {
				return err
			}
		}
		return nil
	}
}
