// Package jsonscan reads one JSON value held whole in memory, element by
// element, decoding only what its caller asks for: the keys of an object,
// the elements of an array, a string's text. Everything else is skipped —
// and checked on the way, so that a value is read without error exactly
// when encoding/json would accept it (json.Valid; the differential fuzz test
// holds it to that).
//
// encoding/json decodes every element of a resource into a struct through
// reflection, and its decoder must hold each value whole; a FHIR resource
// carries much that carecast never reads (narratives, displays, extensions,
// attachments). Here nothing is allocated for a value unless it is a string
// with escapes, and skipping runs over plain bytes.
//
// A Scanner is used like this:
//
//	s.Reset(line)
//	for key := range s.Object() {
//	    switch string(key) {
//	    case "id":
//	        id = s.String()
//	    default:
//	        s.Skip()
//	    }
//	}
//	if err := s.End(); err != nil { … }
//
// Every value must be consumed once, by reading or skipping it. After the
// first error every call returns nothing, so loops end by themselves; a
// value of the wrong kind (an array where an object is read, say) is an
// error like any other.
package jsonscan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrSyntax reports input that is not JSON, or not of the shape asked for.
var ErrSyntax = errors.New("invalid JSON")

// Kind is the kind of a JSON value.
type Kind uint8

// The kinds of value.
const (
	Invalid Kind = iota // not the start of a value, or the end of input
	Object
	Array
	String
	Number
	Bool
	Null
)

func (k Kind) String() string {
	return [...]string{"invalid", "object", "array", "string", "number", "boolean", "null"}[k]
}

// Scanner reads a JSON value from a byte slice.
type Scanner struct {
	b   []byte
	i   int
	err error
	// fresh is true right after an object or array opens: its first member
	// needs no comma.
	fresh bool
	// depth counts the objects and arrays open, to refuse absurd nesting
	// as encoding/json does (10,000 levels).
	depth int
	// unescaped holds the text of strings with escapes; it only grows
	// between Resets, so strings handed out stay valid until then.
	unescaped []byte
}

// maxDepth is encoding/json's limit on nesting.
const maxDepth = 10000

// Reset starts reading b. Strings returned before are no longer valid.
func (s *Scanner) Reset(b []byte) {
	s.b, s.i, s.err, s.fresh, s.depth = b, 0, nil, false, 0
	s.unescaped = s.unescaped[:0]
}

// Err returns the first error met, or nil.
func (s *Scanner) Err() error { return s.err }

// Offset returns how many bytes have been read.
func (s *Scanner) Offset() int { return s.i }

// Fail records an error at the current offset, unless one is recorded: the
// caller found a value of the wrong shape. It stops the reading.
func (s *Scanner) Fail(what string) {
	if s.err == nil {
		s.err = fmt.Errorf("%w: %s at offset %d", ErrSyntax, what, s.i)
	}
	s.i = len(s.b)
}

func (s *Scanner) fail(what string) { s.Fail(what) }

// End checks that only white space follows the value read, and returns the
// first error met.
func (s *Scanner) End() error {
	if s.err == nil {
		s.space()
		if s.i < len(s.b) {
			s.fail("data after the value")
		}
	}
	return s.err
}

// space skips white space.
func (s *Scanner) space() {
	for s.i < len(s.b) && isSpace[s.b[s.i]] {
		s.i++
	}
}

var isSpace = [256]bool{' ': true, '\t': true, '\r': true, '\n': true}

// Peek returns the kind of the next value without reading it.
func (s *Scanner) Peek() Kind {
	if s.err != nil {
		return Invalid
	}
	s.space()
	if s.i >= len(s.b) {
		return Invalid
	}
	return kinds[s.b[s.i]]
}

var kinds = func() (k [256]Kind) {
	k['{'], k['['], k['"'], k['t'], k['f'], k['n'] = Object, Array, String, Bool, Bool, Null
	k['-'] = Number
	for c := '0'; c <= '9'; c++ {
		k[c] = Number
	}
	return k
}()

// open consumes c ('{' or '['), or fails naming the kind wanted.
func (s *Scanner) open(c byte, want Kind) bool {
	if s.err != nil {
		return false
	}
	b, i := s.b, s.i
	for i < len(b) && isSpace[b[i]] {
		i++
	}
	s.i = i
	if i >= len(b) || b[i] != c {
		s.fail("not " + want.String())
		return false
	}
	s.depth++
	if s.depth > maxDepth {
		s.fail("nested too deeply")
		return false
	}
	s.i = i + 1
	s.fresh = true
	return true
}

// OpenObject consumes the '{' that opens an object; false (with an error)
// when the next value is not an object. Its members are then read with Key.
func (s *Scanner) OpenObject() bool { return s.open('{', Object) }

// Key reads the next key of the open object and the colon after it, and
// returns true with the key; the caller then consumes the member's value.
// At the object's end it consumes the '}' and returns false. The key is
// valid until the next Reset. (It works on local copies of the position:
// keys and strings are most of what a resource is made of.)
func (s *Scanner) Key() ([]byte, bool) {
	if s.err != nil {
		return nil, false
	}
	b, i := s.b, s.i
	for i < len(b) && isSpace[b[i]] {
		i++
	}
	if i >= len(b) {
		s.i = i
		s.fail("unterminated object")
		return nil, false
	}
	switch c := b[i]; {
	case c == '}':
		s.i = i + 1
		s.fresh = false
		s.depth--
		return nil, false
	case !s.fresh:
		if c != ',' {
			s.i = i
			s.fail("missing comma in object")
			return nil, false
		}
		i++
		for i < len(b) && isSpace[b[i]] {
			i++
		}
		if i >= len(b) || b[i] != '"' {
			s.i = i
			s.fail("missing key in object")
			return nil, false
		}
	case c != '"':
		s.i = i
		s.fail("missing key in object")
		return nil, false
	}
	s.fresh = false
	var key []byte
	if j := plainRun(b, i+1); j < len(b) && b[j] == '"' {
		key, i = b[i+1:j:j], j+1
	} else {
		s.i = i
		if key = s.str(); s.err != nil {
			return nil, false
		}
		i = s.i
	}
	for i < len(b) && isSpace[b[i]] {
		i++
	}
	if i >= len(b) || b[i] != ':' {
		s.i = i
		s.fail("missing colon in object")
		return nil, false
	}
	s.i = i + 1
	return key, true
}

// Object reads an object: it yields each key, and the loop's body consumes
// the member's value. A value that is not an object is an error. Leaving
// the loop early is an error too: the rest of the object would be unread.
func (s *Scanner) Object() iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		if !s.OpenObject() {
			return
		}
		for {
			key, ok := s.Key()
			if !ok {
				return
			}
			if !yield(key) {
				s.fail("object left unread")
				return
			}
		}
	}
}

// Array reads an array: it yields at each element, and the loop's body
// consumes the element. A value that is not an array is an error, as is
// leaving the loop early.
func (s *Scanner) Array() iter.Seq[int] {
	return func(yield func(int) bool) {
		if !s.OpenArray() {
			return
		}
		for i := 0; s.Next(); i++ {
			if !yield(i) {
				s.fail("array left unread")
				return
			}
		}
	}
}

// OpenArray consumes the '[' that opens an array; false (with an error)
// when the next value is not an array. Its elements are then read with
// Next.
func (s *Scanner) OpenArray() bool { return s.open('[', Array) }

// Next moves to the next element of the open array and returns true; the
// caller then consumes the element. At the array's end it consumes the ']'
// and returns false.
func (s *Scanner) Next() bool {
	if s.err != nil {
		return false
	}
	b, i := s.b, s.i
	for i < len(b) && isSpace[b[i]] {
		i++
	}
	s.i = i
	if i >= len(b) {
		s.fail("unterminated array")
		return false
	}
	c := b[i]
	if c == ']' {
		s.i = i + 1
		s.fresh = false
		s.depth--
		return false
	}
	if !s.fresh {
		if c != ',' {
			s.fail("missing comma in array")
			return false
		}
		s.i = i + 1
	}
	s.fresh = false
	return true
}

// String reads a string value and returns its text, unescaped. A value of
// another kind is an error. The text is valid until the next Reset.
func (s *Scanner) String() []byte {
	if s.err != nil {
		return nil
	}
	b, i := s.b, s.i
	for i < len(b) && isSpace[b[i]] {
		i++
	}
	if i >= len(b) || b[i] != '"' {
		s.i = i
		s.fail("not a string")
		return nil
	}
	if j := plainRun(b, i+1); j < len(b) && b[j] == '"' {
		s.i = j + 1
		return b[i+1 : j : j]
	}
	s.i = i
	return s.str()
}

// plain marks the bytes a string holds without a second look: not '"',
// not '\\' and not a control character.
var plain = func() (p [256]bool) {
	for c := 0x20; c < 256; c++ {
		p[c] = c != '"' && c != '\\'
	}
	return p
}()

// plainRun returns the index of the first byte from i on that is not plain
// (or len(b)), eight bytes at a time: FHIR strings are mostly URLs and codes
// of tens of bytes.
func plainRun(b []byte, i int) int {
	const (
		ones   = 0x0101010101010101
		high   = 0x8080808080808080
		quotes = '"' * ones
		slash  = '\\' * ones
		spaces = 0x20 * ones
	)
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q, e := x^quotes, x^slash
		// A byte is zero in q or e, or below 0x20 in x: the high bit of
		// its lane is set. Lanes above a set one may be set wrongly, never
		// one below: the lowest set lane is the first byte that is not
		// plain.
		if m := ((q-ones)&^q | (e-ones)&^e | (x-spaces)&^x) & high; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(b) && plain[b[i]] {
		i++
	}
	return i
}

// str reads the string starting at s.b[s.i] == '"'.
func (s *Scanner) str() []byte {
	b := s.b
	start := s.i + 1
	i := plainRun(b, start)
	if i < len(b) && b[i] == '"' {
		s.i = i + 1
		return b[start:i:i]
	}
	if i >= len(b) || b[i] < 0x20 {
		s.i = i
		s.fail("unterminated string or control character in string")
		return nil
	}
	return s.unescape(start, i)
}

// unescape decodes a string with escapes, whose plain prefix ends at i.
func (s *Scanner) unescape(start, i int) []byte {
	b := s.b
	from := len(s.unescaped)
	out := append(s.unescaped, b[start:i]...)
	for {
		for i < len(b) && plain[b[i]] {
			out = append(out, b[i])
			i++
		}
		if i >= len(b) || b[i] < 0x20 {
			s.i = i
			s.fail("unterminated string or control character in string")
			return nil
		}
		if b[i] == '"' {
			s.i = i + 1
			s.unescaped = out
			return out[from:len(out):len(out)]
		}
		// A backslash.
		if i+1 >= len(b) {
			s.i = i
			s.fail("unterminated string")
			return nil
		}
		switch c := b[i+1]; c {
		case '"', '\\', '/':
			out = append(out, c)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(b[i+2:])
			if !ok {
				s.i = i
				s.fail("bad \\u escape")
				return nil
			}
			i += 6
			if utf16.IsSurrogate(r) {
				// A pair makes one rune; a lone surrogate is U+FFFD, as
				// encoding/json decodes it.
				if len(b) > i+1 && b[i] == '\\' && b[i+1] == 'u' {
					if r2, ok := hex4(b[i+2:]); ok {
						if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
							out = utf8.AppendRune(out, pair)
							i += 6
							continue
						}
					}
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			s.i = i
			s.fail("bad escape in string")
			return nil
		}
		i += 2
	}
}

// hex4 reads four hexadecimal digits.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// Skip reads past the next value, of any kind, checking it.
func (s *Scanner) Skip() {
	if s.err != nil {
		return
	}
	s.space()
	if s.i >= len(s.b) {
		s.fail("missing value")
		return
	}
	switch s.b[s.i] {
	case '{':
		s.skipObject()
	case '[':
		s.skipArray()
	case '"':
		s.skipString()
	case 't':
		s.literal("true")
	case 'f':
		s.literal("false")
	case 'n':
		s.literal("null")
	default:
		s.number()
	}
}

// Raw reads past the next value and returns its bytes as they are in the
// input.
func (s *Scanner) Raw() []byte {
	s.space()
	start := s.i
	s.Skip()
	if s.err != nil {
		return nil
	}
	return s.b[start:s.i:s.i]
}

// skipString reads past a string without unescaping it.
func (s *Scanner) skipString() {
	b := s.b
	i := s.i + 1
	for {
		i = plainRun(b, i)
		if i >= len(b) || b[i] < 0x20 {
			s.i = i
			s.fail("unterminated string or control character in string")
			return
		}
		if b[i] == '"' {
			s.i = i + 1
			return
		}
		if i+1 >= len(b) {
			s.i = i
			s.fail("unterminated string")
			return
		}
		switch b[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if _, ok := hex4(b[i+2:]); !ok {
				s.i = i
				s.fail("bad \\u escape")
				return
			}
			i += 6
		default:
			s.i = i
			s.fail("bad escape in string")
			return
		}
	}
}

// skipObject reads past an object, checking it.
func (s *Scanner) skipObject() {
	if !s.OpenObject() {
		return
	}
	for {
		if _, ok := s.Key(); !ok {
			return
		}
		s.Skip()
	}
}

// skipArray reads past an array, checking it.
func (s *Scanner) skipArray() {
	if !s.OpenArray() {
		return
	}
	for s.Next() {
		s.Skip()
	}
}

// literal reads true, false or null.
func (s *Scanner) literal(lit string) {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		s.fail("bad literal")
		return
	}
	s.i += len(lit)
}

// number reads a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *Scanner) number() {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	default:
		s.i = i
		s.fail("bad value")
		return
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.i = i
			s.fail("bad number")
			return
		}
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.i = i
			s.fail("bad number")
			return
		}
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	}
	s.i = i
}

// Bool reads true or false; another kind of value is an error.
func (s *Scanner) Bool() bool {
	switch s.Peek() {
	case Bool:
		if s.b[s.i] == 't' {
			s.literal("true")
			return s.err == nil
		}
		s.literal("false")
		return false
	}
	s.fail("not a boolean")
	return false
}
