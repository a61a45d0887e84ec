package reports

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
)

// sectionTable is a table of a page with the section it is in.
type sectionTable struct {
	section string
	*table
}

// tables lists every table of the page — block tables and charts' data —
// in page order.
func (p *page) tables() []*table {
	var out []*table
	for _, st := range p.sectionTables() {
		out = append(out, st.table)
	}
	return out
}

func (p *page) sectionTables() []sectionTable {
	var out []sectionTable
	for _, s := range p.Sections {
		for _, b := range s.Blocks {
			if b.Table != nil {
				out = append(out, sectionTable{s.Title, b.Table})
			}
			for _, f := range b.Figures {
				if f.Data != nil {
					out = append(out, sectionTable{s.Title, f.Data})
				}
			}
		}
	}
	return out
}

// writeAllFigures writes every figure of the page into one CSV that Excel
// opens as it is: UTF-8 with a byte-order mark (so that "–" and "é" read
// right), CRLF line ends, one figure a line — section, table, row, column,
// value and kind — so that a pivot table gives any view back. Values are
// as the page's CSVs have them: no thousands separators, * for
// suppressed, empty for not available.
func (p *page) writeAllFigures(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write all figures: %w", err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("\ufeff")
	line := func(fields ...string) {
		for i, s := range fields {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(csvField(s))
		}
		w.WriteString("\r\n")
	}
	line("page", "section", "table", "table_caption", "row", "column", "value", "kind")
	for _, st := range p.sectionTables() {
		for _, row := range st.Rows {
			head := ""
			if len(row) > 0 {
				head = row[0].Text
			}
			for i, c := range row {
				if i == 0 {
					continue // the row's header, on every line
				}
				line(p.Title, st.section, st.ID, st.Caption, head, st.Cols[i].Head, csvValue(c), kindName(st.Cols[i].Kind))
			}
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// kindName names a column's kind in the all-figures CSV.
func kindName(k Kind) string {
	switch k {
	case Count:
		return "count"
	case Rate:
		return "rate"
	case Modelled:
		return "modelled"
	}
	return "label"
}

// csvField quotes a field where CSV needs it, and neutralises text Excel
// would run as a formula (a leading =, +, - or @ that is not a number).
func csvField(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '@' || s[0] == '-' && !isNumber(s)) {
		s = "'" + s
	}
	for _, c := range s {
		if c == ',' || c == '"' || c == '\n' || c == '\r' {
			out := []rune{'"'}
			for _, c := range s {
				if c == '"' {
					out = append(out, '"')
				}
				out = append(out, c)
			}
			return string(append(out, '"'))
		}
	}
	return s
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
