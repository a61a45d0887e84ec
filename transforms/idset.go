package transforms

import "hash/maphash"

// IDSet remembers which record ids a feed has read, to find duplicates. It
// keeps a 64-bit hash of each id in an open-addressing table rather than the
// ids themselves: 8 bytes an id instead of a string and a map entry, for
// feeds of tens of millions of records. Two distinct ids share a hash with
// probability about n²/2⁶⁵ — for 10⁸ ids, under one in three thousand
// runs, at the cost of one record wrongly called a duplicate.
type IDSet struct {
	seed  maphash.Seed
	slots []uint64 // 0 marks an empty slot
	n     int
}

// NewIDSet returns an empty set.
func NewIDSet() *IDSet {
	return &IDSet{seed: maphash.MakeSeed(), slots: make([]uint64, 1024)}
}

// Add adds id and reports whether it was new.
func (s *IDSet) Add(id string) bool {
	h := maphash.String(s.seed, id)
	if h == 0 {
		h = 1
	}
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	if !s.insert(h) {
		return false
	}
	s.n++
	return true
}

// Len returns the number of ids in the set.
func (s *IDSet) Len() int { return s.n }

// insert puts h in its slot by linear probing, reporting false when it was
// there already.
func (s *IDSet) insert(h uint64) bool {
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = h
			return true
		case h:
			return false
		}
	}
}

func (s *IDSet) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*len(old))
	for _, h := range old {
		if h != 0 {
			s.insert(h)
		}
	}
}
