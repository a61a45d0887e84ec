package pseudonymise

import "strings"

// index maps person keys to values, compactly: a key of 10 digits (an NHS
// number) is held as a uint64 rather than a string, which more than halves
// the memory of a region's worth of keys.
type index[T any] struct {
	nhs   map[uint64]int32
	other map[string]int32
	vals  []T
}

func newIndex[T any]() index[T] {
	return index[T]{nhs: map[uint64]int32{}, other: map[string]int32{}}
}

// find returns the position of key in vals.
func (x *index[T]) find(key string) (int32, bool) {
	if n, ok := nhsKey(key); ok {
		i, ok := x.nhs[n]
		return i, ok
	}
	i, ok := x.other[key]
	return i, ok
}

func (x *index[T]) get(key string) (T, bool) {
	i, ok := x.find(key)
	if !ok {
		var zero T
		return zero, false
	}
	return x.vals[i], true
}

// put sets the value of key, adding it when new, and returns its position.
func (x *index[T]) put(key string, v T) int32 {
	if i, ok := x.find(key); ok {
		x.vals[i] = v
		return i
	}
	i := int32(len(x.vals))
	x.vals = append(x.vals, v)
	if n, ok := nhsKey(key); ok {
		x.nhs[n] = i
	} else {
		// A key read from a feed shares memory with other values read.
		x.other[strings.Clone(key)] = i
	}
	return i
}
