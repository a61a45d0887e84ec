package transforms

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/yhcr/carecast/transforms/internal/csvrecord"
)

// Table reads a CSV file with a header row, one row at a time, for the
// readers of CSV feeds. Columns are found by name (case-insensitive), in
// any order. Rows that are not well-formed are reported, never their
// values.
type Table struct {
	Path   string
	Header []string // lower-cased column names
	Line   int64    // line number of the current row

	in  *File
	r   *csvrecord.Reader
	col map[string]int
	rec []string
	n   int64
}

// OpenTable opens a CSV file and reads its header. Each required entry is
// a column name, or alternatives separated by "|" of which one must be
// present. Errors wrap ErrNotFeed or ErrMissingColumn and name the file.
func OpenTable(path string, required []string) (*Table, error) {
	return openTable(path, required, nil)
}

// OpenTable opens a CSV file of the feed as the package's OpenTable does;
// when o.Checksums is set, the file's bytes are hashed as they are read
// (Options.OpenFile), so that a table read to its end is not read again
// for the manifest.
func (o *Options) OpenTable(path string, required []string) (*Table, error) {
	return openTable(path, required, o.Checksums)
}

func openTable(path string, required []string, sums *Checksums) (*Table, error) {
	in, err := openFile(path, sums)
	if err != nil {
		return nil, err
	}
	// The CSV reader reads lines straight out of the file's buffer: on a
	// second buffer of its own every byte was copied once more.
	r := csvrecord.NewReader(in.Reader)
	header, err := r.Read()
	if err != nil {
		in.Close()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read %s: empty file, no header: %w", path, ErrNotFeed)
		}
		return nil, fmt.Errorf("read %s: header is not CSV: %w", path, ErrNotFeed)
	}
	t := &Table{Path: path, in: in, r: r, Header: make([]string, len(header)), col: map[string]int{}}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		t.Header[i] = h
		if _, dup := t.col[h]; !dup {
			t.col[h] = i
		}
	}
	for _, req := range required {
		found := false
		for _, alt := range strings.Split(req, "|") {
			if _, ok := t.col[alt]; ok {
				found = true
			}
		}
		if !found {
			in.Close()
			return nil, fmt.Errorf("read %s: header has no %s column: %w",
				path, strings.ReplaceAll(req, "|", " or "), ErrMissingColumn)
		}
	}
	return t, nil
}

// Close closes the file.
func (t *Table) Close() error { return t.in.Close() }

// Index returns the position of a column, or -1 when the file lacks it.
func (t *Table) Index(name string) int {
	if i, ok := t.col[name]; ok {
		return i
	}
	return -1
}

// Next reads the next row. It returns false at the end of the file. A row
// that cannot be used comes back with the reason (MalformedRecord,
// WrongFieldCount or InvalidUTF8) and the column at fault, for the caller to
// reject; err is set only when the file cannot be read.
func (t *Table) Next(ctx context.Context) (ok bool, bad Reason, field string, err error) {
	t.n++
	if t.n&4095 == 0 {
		if err := ctx.Err(); err != nil {
			return false, "", "", err
		}
	}
	rec, err := t.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return false, "", "", nil
		}
		if pe := (*csv.ParseError)(nil); errors.As(err, &pe) {
			t.Line = int64(pe.StartLine)
			return true, MalformedRecord, "", nil
		}
		return false, "", "", fmt.Errorf("read %s: %w", t.Path, err)
	}
	t.Line = int64(t.r.Line())
	if len(rec) != len(t.Header) {
		return true, WrongFieldCount, "", nil
	}
	if i := t.r.InvalidField(); i >= 0 {
		return true, InvalidUTF8, t.Header[i], nil
	}
	t.rec = rec
	return true, "", "", nil
}

// Get returns the trimmed value of the current row's column at i, or ""
// when i is -1. Values of many rows share memory: clone one kept for long.
func (t *Table) Get(i int) string {
	if i < 0 {
		return ""
	}
	s := t.rec[i]
	// Nearly every value begins and ends with a printable ASCII byte and
	// has nothing to trim: strings.TrimSpace is not inlined, and called
	// for every field of every row it was a tenth of reading an event.
	if s == "" || isGraphicASCII(s[0]) && isGraphicASCII(s[len(s)-1]) {
		return s
	}
	return strings.TrimSpace(s)
}

// isGraphicASCII reports whether c is an ASCII byte that is not a space
// or a control character, which no trimming removes. (Bytes from 0x80
// may begin or end a Unicode space.)
func isGraphicASCII(c byte) bool { return c > ' ' && c < 0x7f }
