package fhir

import (
	"errors"
	"io"

	"github.com/yhcr/carecast/transforms/internal/jsonscan"
)

// stream reads the top level of a JSON file — a Bundle — from a reader,
// handing out the bytes of one value at a time, so that a Bundle is never
// held whole: memory is bounded by its largest entry. It finds where a
// value ends (strings, escapes, nesting) without checking the value, which
// jsonscan does when the value is decoded.
type stream struct {
	r        io.Reader
	buf      []byte
	pos, end int
	eof      bool
	err      error  // a read error
	val      []byte // the last value read; reused
}

// errUnterminated reports a value the file ends inside of.
var errUnterminated = errors.New("unterminated JSON value")

func newStream(r io.Reader) *stream { return &stream{r: r, buf: make([]byte, 256<<10)} }

// fill reads more input after what is unread; false at the end or on error.
func (s *stream) fill() bool {
	if s.eof || s.err != nil {
		return false
	}
	if s.pos > 0 {
		s.end = copy(s.buf, s.buf[s.pos:s.end])
		s.pos = 0
	}
	for s.end < len(s.buf) {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err == io.EOF {
			s.eof = true
			break
		}
		if err != nil {
			s.err = err
			break
		}
		if n > 0 {
			break
		}
	}
	return s.end > s.pos
}

// peek skips white space and returns the next byte without reading it;
// false at the end of input.
func (s *stream) peek() (byte, bool) {
	for {
		for s.pos < s.end {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\r', '\n':
				s.pos++
			default:
				return c, true
			}
		}
		if !s.fill() {
			return 0, false
		}
	}
}

// byte reads the next byte after white space, which must be c.
func (s *stream) expect(c byte) bool {
	if b, ok := s.peek(); ok && b == c {
		s.pos++
		return true
	}
	return false
}

// value reads the bytes of the next value into s.val and returns them,
// valid until the next call.
func (s *stream) value() ([]byte, error) {
	s.val = s.val[:0]
	first, ok := s.peek()
	if !ok {
		return nil, s.endErr()
	}
	depth := 0
	inString, escaped := false, false
	for {
		b := s.buf[s.pos:s.end]
		i := 0
		done := false
		switch {
		case first == '"' || first == '{' || first == '[':
			for ; i < len(b); i++ {
				c := b[i]
				if inString {
					switch {
					case escaped:
						escaped = false
					case c == '\\':
						escaped = true
					case c == '"':
						inString = false
						if depth == 0 {
							i++
							done = true
						}
					}
					if done {
						break
					}
					continue
				}
				switch c {
				case '"':
					inString = true
				case '{', '[':
					depth++
				case '}', ']':
					depth--
					if depth == 0 {
						i++
						done = true
					}
				}
				if done {
					break
				}
			}
		default:
			// A number or literal ends at a delimiter.
			for ; i < len(b); i++ {
				if c := b[i]; c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n' {
					done = true
					break
				}
			}
		}
		s.val = append(s.val, b[:i]...)
		s.pos += i
		if done {
			return s.val, nil
		}
		if !s.fill() {
			if first != '"' && first != '{' && first != '[' && s.err == nil && len(s.val) > 0 {
				return s.val, nil // a number at the very end
			}
			return nil, s.endErr()
		}
	}
}

func (s *stream) endErr() error {
	if s.err != nil {
		return s.err
	}
	return errUnterminated
}

// key reads an object's key and the colon after it.
func (s *stream) key(sc *jsonscan.Scanner) ([]byte, error) {
	raw, err := s.value()
	if err != nil {
		return nil, err
	}
	sc.Reset(raw)
	k := sc.String()
	if sc.End() != nil || !s.expect(':') {
		return nil, jsonscan.ErrSyntax
	}
	return k, nil
}

// atEnd reports whether only white space is left.
func (s *stream) atEnd() bool {
	_, more := s.peek()
	return !more && s.err == nil
}
