package transforms

import (
	"hash/maphash"
	"math/bits"
	"strconv"
)

// IDSet remembers which record ids a feed has read, to find duplicates.
// Memory must not grow much with the number of records, so ids are kept
// compactly in one of two ways:
//   - an id that is a prefix and a decimal number (without leading zeros),
//     as most extracts number their records — "A1", "RR8-000123" is not,
//     "ECDS123456" is —, is one bit in a bitmap of its prefix's numbers:
//     about an eighth of a byte an id when the numbers are dense;
//   - any other id, and the ids of a prefix whose numbers turn out to be
//     sparse, is a 64-bit hash in an open-addressing table: 8 to 16 bytes
//     an id. Two distinct ids share a hash with probability about n²/2⁶⁵ —
//     for 10⁸ ids, under one in three thousand runs, at the cost of one
//     record wrongly called a duplicate.
type IDSet struct {
	seed  maphash.Seed
	slots []uint64 // 0 marks an empty slot
	n     int      // ids in the whole set
	used  int      // slots in use

	seqs map[string]*bitmap // by prefix; nil once a prefix is hashed
	last *bitmap            // the bitmap of the previous id's prefix
	pre  string             // and that prefix
}

// Bitmaps are kept for at most maxPrefixes prefixes, each in chunks of
// chunkBits numbers; a prefix whose bitmap holds fewer than one id per
// sparseBits bits, over more than a few chunks, is moved to the hash table.
const (
	maxPrefixes = 64
	chunkWords  = 1024
	chunkBits   = 64 * chunkWords
	sparseBits  = 64
	maxDigits   = 18 // fits a uint64
)

type bitmap struct {
	prefix string
	chunks map[uint64]*[chunkWords]uint64
	n      int
	// The last chunk used: numbers mostly come in order.
	hi  uint64
	cur *[chunkWords]uint64
}

// NewIDSet returns an empty set.
func NewIDSet() *IDSet {
	return &IDSet{seed: maphash.MakeSeed(), slots: make([]uint64, 1024), seqs: map[string]*bitmap{}}
}

// Add adds id and reports whether it was new.
func (s *IDSet) Add(id string) bool {
	if b, num, ok := s.bitmapOf(id); ok {
		if !b.add(num) {
			return false
		}
		s.n++
		if b.sparse() {
			s.unpack(b)
		}
		return true
	}
	if !s.addHash(maphash.String(s.seed, id)) {
		return false
	}
	s.n++
	return true
}

// Len returns the number of ids in the set.
func (s *IDSet) Len() int { return s.n }

// bitmapOf splits id into prefix and number and returns the prefix's
// bitmap, or false when the id goes to the hash table.
func (s *IDSet) bitmapOf(id string) (*bitmap, uint64, bool) {
	// The number is read as its digits are found, from the end: parsed
	// again by strconv it was a third of the set's time.
	i := len(id)
	var num, pow uint64 = 0, 1
	for i > 0 && id[i-1] >= '0' && id[i-1] <= '9' && len(id)-i < maxDigits {
		i--
		num += uint64(id[i]-'0') * pow
		pow *= 10
	}
	digits := id[i:]
	// A leading zero would make "A01" and "A1" one number; more digits
	// than a uint64 holds go to the hash table.
	if len(digits) == 0 || i > 0 && isDigit(id[i-1]) || len(digits) > 1 && digits[0] == '0' {
		return nil, 0, false
	}
	prefix := id[:i]
	if s.last != nil && prefix == s.pre {
		return s.last, num, true
	}
	b, seen := s.seqs[prefix]
	if !seen {
		if len(s.seqs) == maxPrefixes {
			return nil, 0, false
		}
		prefix = string([]byte(prefix)) // the id's memory may be reused
		b = &bitmap{prefix: prefix, chunks: map[uint64]*[chunkWords]uint64{}}
		s.seqs[prefix] = b
	}
	if b == nil {
		return nil, 0, false
	}
	s.last, s.pre = b, b.prefix
	return b, num, true
}

func (b *bitmap) add(num uint64) bool {
	c := b.cur
	if hi := num / chunkBits; c == nil || hi != b.hi {
		if c = b.chunks[hi]; c == nil {
			c = new([chunkWords]uint64)
			b.chunks[hi] = c
		}
		b.hi, b.cur = hi, c
	}
	w, bit := num%chunkBits/64, uint64(1)<<(num%64)
	if c[w]&bit != 0 {
		return false
	}
	c[w] |= bit
	b.n++
	return true
}

// sparse reports whether the bitmap costs more than the hash table would.
func (b *bitmap) sparse() bool {
	return len(b.chunks) > 4 && len(b.chunks)*chunkBits > sparseBits*b.n
}

// unpack moves a prefix's ids to the hash table, for good.
func (s *IDSet) unpack(b *bitmap) {
	s.seqs[b.prefix] = nil
	s.last, s.pre = nil, ""
	buf := []byte(b.prefix)
	for hi, c := range b.chunks {
		for w, word := range c {
			for ; word != 0; word &= word - 1 {
				num := hi*chunkBits + uint64(w)*64 + uint64(bits.TrailingZeros64(word))
				buf = strconv.AppendUint(buf[:len(b.prefix)], num, 10)
				s.addHash(maphash.Bytes(s.seed, buf))
			}
		}
	}
}

// addHash adds an id's hash, reporting whether it was new.
func (s *IDSet) addHash(h uint64) bool {
	if h == 0 {
		h = 1
	}
	if 4*(s.used+1) > 3*len(s.slots) {
		s.grow()
	}
	if !s.insert(h) {
		return false
	}
	s.used++
	return true
}

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
