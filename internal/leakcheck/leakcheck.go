// Package leakcheck proves that outputs hold no identifier: it searches
// every byte of every file, and every decoded value of every Parquet column,
// for the identifiers of the input and the pseudonyms of excluded people.
// Findings name the kind of identifier found, never the identifier.
package leakcheck

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	ahocorasick "github.com/petar-dambovaliev/aho-corasick"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/pseudonymise"
)

// Kinds of needle.
const (
	NHSNumber       = "nhs_number"
	NHSNumberSpaced = "nhs_number_spaced"
	LocalID         = "local_id" // the identifier of a person without an NHS number
	Name            = "name"
	Address         = "address"
	Postcode        = "postcode"
	Phone           = "phone"
	BirthDate       = "birth_date"
	Pseudonym       = "pseudonym"
)

// MinLen is the shortest needle searched for: shorter text (a two-letter
// name) matches innocent output too often to prove anything.
const MinLen = 5

// Needles is what must never appear in an output. Text is matched without
// regard to ASCII case. Add every needle before scanning; a Needles may
// then be used by several goroutines.
type Needles struct {
	mu    sync.Mutex
	pats  [][]byte
	kinds []string
	// number marks needles of digits alone (an NHS number, a date as
	// 20010203), which are not found inside a longer run of digits.
	number []bool
	seen   map[string]bool
	ac     *ahocorasick.AhoCorasick
	max    int
}

// Add adds a needle of a kind; needles shorter than MinLen are ignored.
func (n *Needles) Add(kind string, needle []byte) {
	if len(needle) < MinLen {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen == nil {
		n.seen = map[string]bool{}
	}
	if n.seen[string(needle)] {
		return
	}
	n.seen[string(needle)] = true
	n.pats = append(n.pats, bytes.Clone(needle))
	n.kinds = append(n.kinds, kind)
	n.number = append(n.number, isNumber(needle))
	n.max = max(n.max, len(needle))
	n.ac = nil
}

func (n *Needles) addText(kind, s string) { n.Add(kind, []byte(strings.TrimSpace(s))) }

// Len returns the number of needles.
func (n *Needles) Len() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.pats)
}

// AddPerson adds a person's identifiers: the NHS number plain and spaced
// ("999 123 4567"), the local identifier of a person without one, the name, the
// address and its first line, the postcode with and without its space, the
// phone number as written and as digits, and the date of birth as
// 2001-02-03, 03/02/2001 and 20010203.
func (n *Needles) AddPerson(p *canonical.Person) {
	if p.HasNHSNumber && len(p.Key) == 10 {
		n.addText(NHSNumber, p.Key)
		n.addText(NHSNumberSpaced, p.Key[:3]+" "+p.Key[3:6]+" "+p.Key[6:])
	} else if i := strings.LastIndexByte(p.Key, '|'); i >= 0 {
		// "<system>|<value>", or "<feed>|<system>|<value>" when namespaced.
		n.addText(LocalID, p.Key[i+1:])
	}
	n.addText(Name, p.Name)
	n.addText(Address, p.Address)
	if first, _, ok := strings.Cut(p.Address, ","); ok {
		n.addText(Address, first)
	}
	if pc := strings.TrimSpace(p.Postcode); pc != "" {
		n.addText(Postcode, pc)
		n.addText(Postcode, strings.ReplaceAll(pc, " ", ""))
	}
	n.addText(Phone, p.Phone)
	n.addText(Phone, digits(p.Phone))
	if p.BirthDate.Valid() {
		t := p.BirthDate.Time()
		for _, layout := range []string{"2006-01-02", "02/01/2006", "20060102"} {
			n.addText(BirthDate, t.Format(layout))
		}
	}
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if '0' <= r && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// AddPseudonym adds a pseudonym that must not appear (e.g. that of a person
// who opted out): its 16 bytes, as 32 hex digits and in UUID form.
func (n *Needles) AddPseudonym(p pseudonymise.Pseudonym) {
	n.Add(Pseudonym, p[:])
	h := hex.EncodeToString(p[:])
	n.addText(Pseudonym, h)
	n.addText(Pseudonym, h[:8]+"-"+h[8:12]+"-"+h[12:16]+"-"+h[16:20]+"-"+h[20:])
}

func isNumber(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// inNumber reports whether the match b[start:end] of needle p is a needle of
// digits within a longer run of them: a number that merely holds it, as the
// decimals of a duration (8.19880516…) may hold a date of birth. Bytes
// beyond b count as no digit, so a match at an edge is always reported.
func (n *Needles) inNumber(p int, b []byte, start, end int) bool {
	return n.number[p] && (start > 0 && isDigit(b[start-1]) || end < len(b) && isDigit(b[end]))
}

// matcher returns the automaton over the current needles.
func (n *Needles) matcher() (*ahocorasick.AhoCorasick, []string, int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ac == nil && len(n.pats) > 0 {
		b := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{
			AsciiCaseInsensitive: true,
			MatchKind:            ahocorasick.StandardMatch,
			DFA:                  false,
		})
		ac := b.BuildByte(n.pats)
		n.ac = &ac
	}
	return n.ac, n.kinds, n.max
}

// Finding is one needle found in an output. It never holds the needle.
type Finding struct {
	Path   string // the file (or the name given to ScanBytes)
	Where  string // "byte 1234 (line 7)", or "column person_id" of a decoded Parquet file
	Needle string // the kind of needle, e.g. "nhs_number"
}

func (f Finding) String() string { return f.Path + ": " + f.Where + ": " + f.Needle }

// ScanBytes searches b, e.g. captured logs or an error message.
func ScanBytes(name string, b []byte, n *Needles) []Finding {
	ac, kinds, _ := n.matcher()
	if ac == nil {
		return nil
	}
	var out []Finding
	lines := lineCounter{b: b, line: 1}
	it := ac.IterByte(b)
	for m := it.Next(); m != nil; m = it.Next() {
		if n.inNumber(m.Pattern(), b, m.Start(), m.End()) {
			continue
		}
		out = append(out, Finding{Path: name, Where: fmt.Sprintf("byte %d (line %d)", m.Start(), lines.at(m.Start())), Needle: kinds[m.Pattern()]})
	}
	return out
}

// lineCounter gives the line number of offsets in b, counting newlines
// incrementally as offsets mostly rise.
type lineCounter struct {
	b         []byte
	pos, line int // line is the line number of b[pos]
}

func (c *lineCounter) at(off int) int {
	if off >= c.pos {
		c.line += bytes.Count(c.b[c.pos:off], []byte{'\n'})
		c.pos = off
		return c.line
	}
	return c.line - bytes.Count(c.b[off:c.pos], []byte{'\n'})
}

// chunk is how much of a file is searched at a time.
const chunk = 4 << 20

// ScanDir searches every regular file under dir byte by byte, and decodes
// every Parquet file (found by its magic number, whatever its name) to
// search each value of each column too: compressed pages hide text from a
// byte search. A file that cannot be read or decoded is an error, not a pass.
func ScanDir(ctx context.Context, dir string, n *Needles) ([]Finding, error) {
	var out []Finding
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		found, err := scanFile(ctx, path, n)
		if err != nil {
			return err
		}
		out = append(out, found...)
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("leak scan of %s: %w", dir, err)
	}
	return out, nil
}

func scanFile(ctx context.Context, path string, n *Needles) ([]Finding, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var magic [4]byte
	if _, err := f.ReadAt(magic[:], 0); err == nil && string(magic[:]) == "PAR1" {
		// A Parquet file is searched as what it holds: every decoded value,
		// and its footer (schema, key-value metadata, statistics) as bytes.
		// Its compressed pages are not searched as bytes: with hundreds of
		// thousands of needles, compressed noise matches short ones by
		// chance, and anything real in them is found decoded.
		out, err := scanParquet(ctx, path, f, n)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", path, err)
		}
		footer, err := parquetFooter(f)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", path, err)
		}
		for _, fd := range ScanBytes(path, footer, n) {
			fd.Where = "footer " + fd.Where
			out = append(out, fd)
		}
		return out, nil
	}
	out, err := scanStream(path, f, n)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// parquetFooter returns the footer of a Parquet file: the file metadata
// before the last eight bytes (its length and the magic number).
func parquetFooter(f *os.File) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var tail [8]byte
	if st.Size() < 12 {
		return nil, errors.New("too short for Parquet")
	}
	if _, err := f.ReadAt(tail[:], st.Size()-8); err != nil {
		return nil, err
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if string(tail[4:]) != "PAR1" || n > st.Size()-12 {
		return nil, errors.New("bad footer")
	}
	b := make([]byte, n)
	_, err = f.ReadAt(b, st.Size()-8-n)
	return b, err
}

// scanStream searches r in chunks, carrying the last bytes of each chunk
// into the next so that a needle across the boundary is found, once.
func scanStream(name string, r io.Reader, n *Needles) ([]Finding, error) {
	ac, kinds, maxLen := n.matcher()
	if ac == nil {
		return nil, nil
	}
	var out []Finding
	buf := make([]byte, 0, chunk+maxLen)
	base, line := int64(0), 1 // file offset and line number of buf[0]
	for {
		carry := len(buf)
		m, err := io.ReadFull(r, buf[carry:cap(buf)])
		buf = buf[:carry+m]
		lines := lineCounter{b: buf, line: line}
		it := ac.IterByte(buf)
		for x := it.Next(); x != nil; x = it.Next() {
			if x.End() <= carry {
				continue // wholly in the carried bytes: found last time
			}
			if n.inNumber(x.Pattern(), buf, x.Start(), x.End()) {
				continue
			}
			out = append(out, Finding{Path: name, Where: fmt.Sprintf("byte %d (line %d)", base+int64(x.Start()), lines.at(x.Start())), Needle: kinds[x.Pattern()]})
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		keep := min(maxLen-1, len(buf))
		line = lines.at(len(buf) - keep)
		base += int64(len(buf) - keep)
		buf = buf[:copy(buf, buf[len(buf)-keep:])]
	}
}
