package transforms

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
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

// TrimExt returns a file name without a trailing .gz and then ext, and
// whether it had ext: TrimExt("Encounter.000.ndjson.gz", ".ndjson") is
// "Encounter.000", true.
func TrimExt(name, ext string) (string, bool) {
	name = strings.TrimSuffix(name, ".gz")
	base, ok := strings.CutSuffix(name, ext)
	return base, ok
}
