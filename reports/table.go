package reports

import (
	"encoding/csv"
	"fmt"
	"os"
)

// A table is shown in a page and published as a CSV file beside it, with
// the same cells: disclosure control is applied once, before either.
type table struct {
	ID      string // unique in the report; the CSV is csv/<ID>.csv
	Caption string
	Cols    []column
	Rows    [][]Cell // the first cell of a row is its header
	Note    string
}

type column struct {
	Head string // as shown
	Name string // CSV column name, before its kind prefix
	Kind Kind
}

// csvName is the column's name in the CSV. Exempt figures are named by
// kind, so that anyone (and the published-count check) can tell them from
// counts: modelled_* for modelled figures, rate_* for rates.
func (c column) csvName() string {
	switch c.Kind {
	case Modelled:
		return "modelled_" + c.Name
	case Rate:
		return "rate_" + c.Name
	}
	return c.Name
}

// CSVPath is the table's CSV file relative to the report folder.
func (t *table) CSVPath() string { return "csv/" + t.ID + ".csv" }

func (t *table) writeCSV(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write table %s: %w", t.ID, err)
	}
	w := csv.NewWriter(f)
	head := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		head[i] = c.csvName()
	}
	w.Write(head)
	rec := make([]string, len(t.Cols))
	for _, row := range t.Rows {
		for i, c := range row {
			rec[i] = csvValue(c)
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// csvValue is the cell for machines: no thousands separators; suppressed
// stays *, not available is empty.
func csvValue(c Cell) string {
	switch {
	case c.Kind == Label || c.Text == Suppressed:
		return c.Text
	case !c.Shown():
		return ""
	case c.Kind == Count:
		return fmt.Sprintf("%d", int64(c.Value))
	}
	return stripCommas(c.Text)
}

func stripCommas(s string) string {
	b := make([]byte, 0, len(s))
	for i := range len(s) {
		if s[i] != ',' {
			b = append(b, s[i])
		}
	}
	return string(b)
}
