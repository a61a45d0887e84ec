package pseudonymise

import "strings"

// index maps person keys to values, compactly: a key of 10 digits (an NHS
// number) is held as a uint64 rather than a string, which more than halves
// the memory of a region's worth of keys. Values are stored in blocks of
// blockLen, so that adding one never copies those before it: a slice grown
// by append copied a region's 450 MB of people about twice over and held
// both copies at once.
type index[T any] struct {
	nhs    map[uint64]int32
	other  map[string]int32
	blocks [][]T
	n      int32
}

const blockLen = 1 << 16

func newIndex[T any]() index[T] {
	return index[T]{nhs: map[uint64]int32{}, other: map[string]int32{}}
}

// find returns the position of key.
func (x *index[T]) find(key string) (int32, bool) {
	if n, ok := nhsKey(key); ok {
		i, ok := x.nhs[n]
		return i, ok
	}
	i, ok := x.other[key]
	return i, ok
}

// at returns the value at position i.
func (x *index[T]) at(i int32) *T { return &x.blocks[i/blockLen][i%blockLen] }

// len returns the number of keys.
func (x *index[T]) len() int { return int(x.n) }

func (x *index[T]) get(key string) (T, bool) {
	i, ok := x.find(key)
	if !ok {
		var zero T
		return zero, false
	}
	return *x.at(i), true
}

// put sets the value of key, adding it when new, and returns its position.
func (x *index[T]) put(key string, v T) int32 {
	if i, ok := x.find(key); ok {
		*x.at(i) = v
		return i
	}
	return x.add(key, v)
}

// add adds a key that is not in the index, and returns its position.
func (x *index[T]) add(key string, v T) int32 {
	i := x.n
	if i%blockLen == 0 {
		x.blocks = append(x.blocks, make([]T, 0, blockLen))
	}
	b := &x.blocks[len(x.blocks)-1]
	*b = append(*b, v)
	x.n++
	if n, ok := nhsKey(key); ok {
		x.nhs[n] = i
	} else {
		// A key read from a feed shares memory with other values read.
		x.other[strings.Clone(key)] = i
	}
	return i
}
