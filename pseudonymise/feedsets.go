package pseudonymise

import (
	"encoding/binary"
	"slices"
	"strings"
)

// feedSets interns the sets of feeds people are in, so that a person holds
// one number for any number of feeds (a bit set capped the feeds at 64 and
// dropped the rest). Set 0 is the empty set. A partnership has tens of
// feeds and people fall into few combinations of them, so the sets stay few.
type feedSets struct {
	names   []string             // feed names, by feed number
	byName  map[string]uint32    // feed number by name
	sets    [][]uint32           // each set's feed numbers, ascending
	byKey   map[string]uint32    // set by its members as a string
	next    map[[2]uint32]uint32 // {set, feed} → that set with the feed added
	joinedS []string             // each set's comma-joined feed names, when asked for
}

func newFeedSets() feedSets {
	return feedSets{byName: map[string]uint32{}, sets: [][]uint32{nil}, byKey: map[string]uint32{"": 0},
		next: map[[2]uint32]uint32{}, joinedS: []string{""}}
}

// feed returns the number of the feed called name, numbering it if new.
func (s *feedSets) feed(name string) uint32 {
	if f, ok := s.byName[name]; ok {
		return f
	}
	name = strings.Clone(name) // read from a feed: may share its buffer
	f := uint32(len(s.names))
	s.names = append(s.names, name)
	s.byName[name] = f
	return f
}

// with returns set with feed f added.
func (s *feedSets) with(set uint32, f uint32) uint32 {
	k := [2]uint32{set, f}
	if n, ok := s.next[k]; ok {
		return n
	}
	m := s.sets[set]
	i, found := slices.BinarySearch(m, f)
	n := set
	if !found {
		m = slices.Insert(slices.Clone(m), i, f)
		key := setKey(m)
		var ok bool
		if n, ok = s.byKey[key]; !ok {
			n = uint32(len(s.sets))
			s.sets = append(s.sets, m)
			s.joinedS = append(s.joinedS, "")
			s.byKey[key] = n
		}
	}
	s.next[k] = n
	return n
}

// members returns the feed numbers of set, ascending.
func (s *feedSets) members(set uint32) []uint32 { return s.sets[set] }

// joined returns the names of set's feeds, comma-joined in the order the
// feeds were first seen.
func (s *feedSets) joined(set uint32) string {
	if set == 0 || s.joinedS[set] != "" {
		return s.joinedS[set]
	}
	m := s.sets[set]
	names := make([]string, len(m))
	for i, f := range m {
		names[i] = s.names[f]
	}
	s.joinedS[set] = strings.Join(names, ",")
	return s.joinedS[set]
}

// setKey writes a set's members as a map key, four bytes each.
func setKey(m []uint32) string {
	b := make([]byte, 0, 4*len(m))
	for _, f := range m {
		b = binary.BigEndian.AppendUint32(b, f)
	}
	return string(b)
}
