package warehouse

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/yhcr/carecast/internal/buildinfo"
)

// Row groups are bounded so that no table is ever held in memory: a row
// group is flushed at maxRowGroupRows rows or maxRowGroupBytes bytes
// (pages are compressed as they fill, so the bytes are mostly compressed).
const (
	maxRowGroupRows  = 1 << 20
	maxRowGroupBytes = 128 << 20
	// batchRows is how many rows are handed to parquet-go at a time, from a
	// reused slice.
	batchRows = 8192
)

// Parquet key-value metadata keys. Each column's description is under
// MetaColumnPrefix + the column name.
const (
	MetaTable        = "carecast.table"
	MetaVersion      = "carecast.version"
	MetaRunID        = "carecast.run_id"
	MetaColumnPrefix = "carecast.column."
)

// WriteTable writes rows to a new Parquet file at path, zstd-compressed, in
// row groups of at most about a million rows. Columns come from T's
// `parquet` struct tags (parquet-go's: name, then options such as dict,
// optional, date, uuid); a `doc` tag gives a column's description, stored in
// the file's key-value metadata with the table name (the file name), the
// software version and — when path is inside a run folder — the run id.
func WriteTable[T any](path string, rows []T) error {
	name := strings.TrimSuffix(filepath.Base(path), ".parquet")
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write table %s: %w", name, err)
	}
	opts, err := writerOptions[T](name, runIDOf(path))
	if err != nil {
		f.Close()
		return fmt.Errorf("write table %s: %w", name, err)
	}
	w := parquet.NewGenericWriter[T](f, opts...)
	for len(rows) > 0 {
		n := min(len(rows), batchRows)
		if _, err := w.Write(rows[:n]); err != nil {
			f.Close()
			return fmt.Errorf("write table %s: %w", name, err)
		}
		rows = rows[n:]
	}
	err = errors.Join(w.Close(), f.Close())
	if err != nil {
		return fmt.Errorf("write table %s: %w", name, err)
	}
	return nil
}

// runIDOf returns the run id of the run folder path is in, or "".
func runIDOf(path string) string {
	for d := filepath.Dir(path); ; d = filepath.Dir(d) {
		if _, err := ParseRunID(filepath.Base(d)); err == nil {
			return filepath.Base(d)
		}
		if p := filepath.Dir(d); p == d {
			return ""
		}
	}
}

// zstdCodec is shared by every file written, so that its pool of encoders
// (each holding a compression window of several megabytes) is shared too:
// a codec per file kept an encoder for each column of each open file, 160 MB
// for an activity table of five years. The fastest level: pages are mostly
// dictionary indexes, and the default level made the activity table only
// 0.2% smaller (25.80 against 25.85 bytes a row) for 8% more time.
var zstdCodec = &zstd.Codec{Level: zstd.SpeedFastest}

// writerOptions returns the options of every carecast Parquet file of rows
// of type T: zstd, bounded row groups and the metadata of WriteTable.
func writerOptions[T any](table, runID string) (opts []parquet.WriterOption, err error) {
	docs, err := columnDocs(reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	version := buildinfo.Version()
	opts = []parquet.WriterOption{
		parquet.Compression(zstdCodec),
		parquet.MaxRowsPerRowGroup(maxRowGroupRows),
		parquet.CreatedBy("carecast", version, ""),
		parquet.KeyValueMetadata(MetaTable, table),
		parquet.KeyValueMetadata(MetaVersion, version),
	}
	if runID != "" {
		opts = append(opts, parquet.KeyValueMetadata(MetaRunID, runID))
	}
	for _, d := range docs {
		opts = append(opts, parquet.KeyValueMetadata(MetaColumnPrefix+d.name, d.doc))
		if d.noBounds {
			opts = append(opts, parquet.SkipPageBounds(d.name), parquet.SkipPageStatistics(d.name))
		}
	}
	return opts, nil
}

// column is a column's name and description, from struct tags. noBounds
// (tag `bounds:"-"`) leaves out the column's min/max statistics, of its
// chunks and pages: they cost two comparisons of every value (a third of
// the activity table's encoding time), and for a column whose values are
// spread over every row group (a pseudonym, a place in date-ordered
// activity) they can never let a reader skip one.
type column struct {
	name, doc string
	noBounds  bool
}

// columnDocs returns the columns of a flat struct type with their `doc`
// descriptions.
func columnDocs(t reflect.Type) ([]column, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("rows of %v: not a struct", t)
	}
	var cols []column
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("parquet"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		cols = append(cols, column{name, f.Tag.Get("doc"), f.Tag.Get("bounds") == "-"})
	}
	return cols, nil
}

// tableFile is one Parquet file being written from reused batches of T.
type tableFile[T any] struct {
	path    string
	f       *os.File
	w       *parquet.GenericWriter[T]
	batch   []T
	rows    int64 // written to w, in all row groups
	flushed int64 // w.Size() at the last row-group boundary we made
	open    int64 // rows of the row group being written, held in memory
}

func createTableFile[T any](path, table, runID string) (*tableFile[T], error) {
	opts, err := writerOptions[T](table, runID)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	// A table is written once per run: never truncate one.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	return &tableFile[T]{path: path, f: f, w: parquet.NewGenericWriter[T](f, opts...),
		batch: make([]T, 0, batchRows)}, nil
}

// next returns the next row of the batch, for the caller to set.
func (t *tableFile[T]) next() *T {
	t.batch = t.batch[:len(t.batch)+1]
	return &t.batch[len(t.batch)-1]
}

func (t *tableFile[T]) full() bool { return len(t.batch) == cap(t.batch) }

// writeBatch hands the batch to parquet-go and closes the row group when it
// has grown past maxRowGroupBytes.
func (t *tableFile[T]) writeBatch() error {
	if len(t.batch) == 0 {
		return nil
	}
	n, err := t.w.Write(t.batch)
	t.rows += int64(n)
	// parquet-go ends a row group by itself at maxRowGroupRows.
	t.open = (t.open + int64(n)) % maxRowGroupRows
	// Drop the batch's references (strings) before the rows are reused.
	clear(t.batch)
	t.batch = t.batch[:0]
	if err != nil {
		return fmt.Errorf("write %s: %w", t.path, err)
	}
	if size := t.w.Size(); size-t.flushed > maxRowGroupBytes {
		return t.endRowGroup()
	}
	return nil
}

// endRowGroup writes the row group being built to the file.
func (t *tableFile[T]) endRowGroup() error {
	if err := t.w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", t.path, err)
	}
	t.flushed, t.open = t.w.Size(), 0
	return nil
}

// close writes what is buffered and the footer, and closes the file.
func (t *tableFile[T]) close() error {
	err := t.writeBatch()
	if err == nil {
		err = t.w.Close()
	}
	if cerr := t.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close %s: %w", t.path, cerr)
	}
	return err
}

// discard closes the file without finishing it (the run is being aborted).
func (t *tableFile[T]) discard() { t.f.Close() }
