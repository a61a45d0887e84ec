package transforms

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// File is an input file opened for streaming, decompressed when its name
// ends in .gz.
type File struct {
	*bufio.Reader
	f  *os.File
	gz *gzip.Reader
}

// OpenFile opens path for reading, transparently decompressing gzip.
func OpenFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	in := &File{f: f}
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		if in.gz, err = gzip.NewReader(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("read %s: not gzip: %w", path, ErrNotFeed)
		}
		r = in.gz
	}
	in.Reader = bufio.NewReaderSize(r, 256<<10)
	return in, nil
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
