package transforms

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// File is an input file opened for streaming, decompressed when its name
// ends in .gz.
type File struct {
	*bufio.Reader
	f  *os.File
	gz *gzip.Reader
}

// OpenFile opens path for reading, transparently decompressing gzip.
func OpenFile(path string) (*File, error) { return openFile(path, nil) }

// OpenFile opens an input file of the feed as the package's OpenFile
// does; when o.Checksums is set, the file's bytes are hashed as they are
// read, and its checksum recorded once it has been read to its end.
func (o *Options) OpenFile(path string) (*File, error) { return openFile(path, o.Checksums) }

func openFile(path string, sums *Checksums) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	in := &File{f: f}
	var r io.Reader = f
	if sums != nil && !sums.has(path) {
		r = &summing{r: f, h: sha256.New(), path: path, to: sums}
	}
	if strings.HasSuffix(path, ".gz") {
		if in.gz, err = gzip.NewReader(r); err != nil {
			f.Close()
			return nil, fmt.Errorf("read %s: not gzip: %w", path, ErrNotFeed)
		}
		r = in.gz
	}
	in.Reader = bufio.NewReaderSize(r, 256<<10)
	return in, nil
}

// Checksum is the size and SHA-256 of a file's bytes (as stored: a .gz
// file's compressed bytes).
type Checksum struct {
	Size   int64
	SHA256 [sha256.Size]byte
}

// Checksums records the checksums of input files as they are read, so that
// a run's manifest names what it read without reading every file a second
// time. A checksum is recorded only for a file read from its first byte to
// its end; the caller hashes the files that were not. It is safe
// for concurrent use.
type Checksums struct {
	mu   sync.Mutex
	sums map[string]Checksum
}

// NewChecksums returns an empty record.
func NewChecksums() *Checksums { return &Checksums{sums: map[string]Checksum{}} }

// Get returns the checksum recorded for the file at path.
func (c *Checksums) Get(path string) (Checksum, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sum, ok := c.sums[path]
	return sum, ok
}

func (c *Checksums) has(path string) bool {
	_, ok := c.Get(path)
	return ok
}

func (c *Checksums) put(path string, sum Checksum) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sums[path] = sum
}

// summing hashes the bytes read from a file, in the pass that reads them
// anyway, and records the checksum when the file's end is reached.
type summing struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	path string
	to   *Checksums // nil once recorded
}

func (s *summing) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.h.Write(p[:n])
	s.n += int64(n)
	if err == io.EOF && s.to != nil {
		sum := Checksum{Size: s.n}
		s.h.Sum(sum.SHA256[:0])
		s.to.put(s.path, sum)
		s.to = nil
	}
	return n, err
}

// Close closes the file.
func (in *File) Close() error {
	if in.gz != nil {
		in.gz.Close()
	}
	return in.f.Close()
}

// FindFile returns the path of the regular file name, or name.gz, in dir,
// or "" when there is neither.
func FindFile(dir, name string) string {
	for _, n := range []string{name, name + ".gz"} {
		path := filepath.Join(dir, n)
		if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
			return path
		}
	}
	return ""
}

// OutFile is an output file written through a buffer, for feed writers.
type OutFile struct {
	*bufio.Writer
	Path string
	f    *os.File
}

// CreateFile creates path for buffered writing. The error is os.Create's,
// which names the file.
func CreateFile(path string) (*OutFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &OutFile{Writer: bufio.NewWriterSize(f, 256<<10), Path: path, f: f}, nil
}

// Close flushes and closes the file, returning every error met, each
// naming the file.
func (out *OutFile) Close() error {
	var errs []error
	if err := out.Flush(); err != nil {
		errs = append(errs, fmt.Errorf("write %s: %w", out.Path, err))
	}
	if err := out.f.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close %s: %w", out.Path, err))
	}
	return errors.Join(errs...)
}

// TrimExt returns a file name without a trailing .gz and then ext, and
// whether it had ext: TrimExt("Encounter.000.ndjson.gz", ".ndjson") is
// "Encounter.000", true.
func TrimExt(name, ext string) (string, bool) {
	name = strings.TrimSuffix(name, ".gz")
	base, ok := strings.CutSuffix(name, ext)
	return base, ok
}
