package leakcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/pseudonymise"
)

var ann = canonical.Person{
	Feed: "gp", Key: "9434765919", HasNHSNumber: true, BirthDate: canonical.MakeDate(2001, 2, 3),
	Postcode: "LS1 9XX", Name: "Annabel Example", Address: "12 Fictional Street, Leeds", Phone: "0113 496 0000",
}

func needles(t testing.TB) (*Needles, pseudonymise.Pseudonym) {
	t.Helper()
	var n Needles
	n.AddPerson(&ann)
	p := pseudonymise.NewPseudonymiser(pseudonymise.DemoKey()).Pseudonym(ann.Key)
	n.AddPseudonym(p)
	return &n, p
}

func kinds(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Needle)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestScanBytes(t *testing.T) {
	n, p := needles(t)
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"clean log", "level=INFO msg=done people=12 lad=E08000035 date=2024-03-01\n", nil},
		{"spaced NHS number", "level=ERROR msg=\"bad record\"\nnhs=943 476 5919\n", []string{NHSNumberSpaced}},
		{"plain NHS number", "patient 9434765919 rejected", []string{NHSNumber}},
		{"name in upper case", "NAME=ANNABEL EXAMPLE", []string{Name}},
		{"street", "addr: 12 fictional street", []string{Address}},
		{"postcode without space", "pc=ls19xx", []string{Postcode}},
		{"phone digits", "tel 01134960000", []string{Phone}},
		{"birth dates", "2001-02-03 03/02/2001 20010203", []string{BirthDate}},
		{"pseudonym hex", "id=" + p.String(), []string{Pseudonym}},
		{"pseudonym raw", "id=" + string(p[:]), []string{Pseudonym}},
		// A number that merely holds a needle of digits is not that needle;
		// one standing alone, or beside letters, is.
		{"date in a duration's decimals", `"sql_models": 8.200102034, "forecast": 120010203`, nil},
		{"NHS number in a longer number", "bytes=194347659190", nil},
		{"compact date beside letters", "dob20010203x", []string{BirthDate}},
		{"NHS number at the end", "nhs:9434765919", []string{NHSNumber}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ScanBytes("log", []byte(tt.text), n)
			if !slices.Equal(kinds(got), tt.want) {
				t.Errorf("found %v, want %v", got, tt.want)
			}
			for _, f := range got {
				if strings.Contains(f.String(), "9434765919") || strings.Contains(f.String(), "Annabel") {
					t.Errorf("finding %q reveals the needle", f)
				}
			}
		})
	}
	if got := ScanBytes("log", []byte("a\nb\nx 943 476 5919"), n); len(got) != 1 || got[0].Where != "byte 6 (line 3)" {
		t.Errorf("position: %v", got)
	}
}

// row is a run table with a planted identifier in one column.
type row struct {
	PersonID [16]byte `parquet:"person_id,uuid,zstd"`
	Born     int32    `parquet:"born,date,zstd"`
	Note     string   `parquet:"note,zstd,dict"`
	Count    int64    `parquet:"count,zstd"`
}

func writeParquet(t testing.TB, path string, rows []row) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[row](f, parquet.Compression(&parquet.Zstd))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// cleanRows are many similar rows, so that zstd compresses the pages and a
// planted value is not visible to a byte search.
func cleanRows() []row {
	rows := make([]row, 2000)
	for i := range rows {
		rows[i] = row{PersonID: [16]byte{byte(i), byte(i >> 8), 1}, Born: int32(canonical.MakeDate(1990, 1, 1)), Note: "note about nothing at all " + fmt.Sprint(i%7), Count: int64(i)}
	}
	return rows
}

func TestScanDirParquet(t *testing.T) {
	n, p := needles(t)
	tests := []struct {
		name  string
		plant func(rows []row)
		want  []string
	}{
		{"clean", func([]row) {}, nil},
		{"NHS number in a string column", func(r []row) { r[1234].Note = "ref 9434765919 ok" }, []string{NHSNumber}},
		{"NHS number as an integer", func(r []row) { r[77].Count = 9434765919 }, []string{NHSNumber}},
		{"birth date as a DATE", func(r []row) { r[5].Born = int32(ann.BirthDate) }, []string{BirthDate}},
		{"pseudonym in a UUID column", func(r []row) { r[999].PersonID = p }, []string{Pseudonym}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			rows := cleanRows()
			tt.plant(rows)
			path := filepath.Join(dir, "activity", "year=2024", "part-00000.parquet")
			os.MkdirAll(filepath.Dir(path), 0o755)
			writeParquet(t, path, rows)
			os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"key_id":"abcd1234"}`), 0o644)
			got, err := ScanDir(context.Background(), dir, n)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(kinds(got), tt.want) {
				t.Errorf("found %v, want %v", got, tt.want)
			}
			decoded := false
			for _, f := range got {
				if f.Path != path {
					t.Errorf("finding %v: want one in %s", f, path)
				}
				decoded = decoded || strings.HasPrefix(f.Where, "column ")
			}
			if tt.want != nil && !decoded {
				t.Errorf("found %v, none in a decoded column", got)
			}
		})
	}
}

// Key-value metadata and statistics live in the footer, which is searched
// as bytes.
func TestScanDirParquetFooter(t *testing.T) {
	n, _ := needles(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "notes.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[row](f, parquet.Compression(&parquet.Zstd),
		parquet.KeyValueMetadata("carecast.column.note", "see 943 476 5919"))
	if _, err := w.Write(cleanRows()); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(w.Close(), f.Close()); err != nil {
		t.Fatal(err)
	}
	got, err := ScanDir(context.Background(), dir, n)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(kinds(got), []string{NHSNumberSpaced}) || !strings.HasPrefix(got[0].Where, "footer ") {
		t.Errorf("found %v, want the spaced NHS number in the footer", got)
	}
}

func TestScanDirBrokenParquetIsAnError(t *testing.T) {
	n, _ := needles(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "persons.parquet"), []byte("PAR1 but not really"), 0o644)
	if _, err := ScanDir(context.Background(), dir, n); err == nil {
		t.Error("an undecodable Parquet file passed")
	}
}

func TestScanStreamChunkBoundary(t *testing.T) {
	n, _ := needles(t)
	for _, at := range []int{chunk - 5, chunk - 10, chunk, chunk + 3, 2*chunk - 4} {
		b := bytes.Repeat([]byte("x\n"), chunk+chunk/2+10)
		copy(b[at:], "9434765919")
		got, err := scanStream("f", bytes.NewReader(b), n)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("byte %d (line %d)", at, bytes.Count(b[:at], []byte{'\n'})+1)
		if len(got) != 1 || got[0].Where != want || got[0].Needle != NHSNumber {
			t.Errorf("planted at %d: found %v, want one at %s", at, got, want)
		}
	}
}

func TestShortNeedlesIgnored(t *testing.T) {
	var n Needles
	n.AddPerson(&canonical.Person{Key: "x|1", Name: "Al", BirthDate: canonical.NoDate})
	if n.Len() != 0 {
		t.Errorf("%d needles from a person with only short identifiers", n.Len())
	}
	if got := ScanBytes("log", []byte("Al 1"), &n); got != nil {
		t.Errorf("found %v", got)
	}
}

// BenchmarkScan searches 8 MB of text for the needles of 5,000 people.
func BenchmarkScan(b *testing.B) {
	var n Needles
	ps := pseudonymise.NewPseudonymiser(pseudonymise.DemoKey())
	for i := range 5000 {
		nine := fmt.Sprintf("9%08d", i)
		d, ok := canonical.NHSNumberCheckDigit(nine)
		if !ok {
			continue
		}
		p := canonical.Person{Key: nine + string(d), HasNHSNumber: true, BirthDate: canonical.Date(i), Name: fmt.Sprintf("Person Number%d", i),
			Address: fmt.Sprintf("%d Some Road, Town", i), Postcode: fmt.Sprintf("LS%d %dAB", i%30, i%10), Phone: fmt.Sprintf("07700 9%05d", i)}
		n.AddPerson(&p)
		n.AddPseudonym(ps.Pseudonym(p.Key))
	}
	hay := bytes.Repeat([]byte("run_id=2024-03-01T03:30 lad=E08000034 service=ae_attendance events=1234\n"), 8<<20/72)
	n.matcher()
	b.SetBytes(int64(len(hay)))
	b.ReportMetric(float64(n.Len()), "needles")
	for b.Loop() {
		if got := ScanBytes("hay", hay, &n); len(got) != 0 {
			b.Fatalf("found %v", got[:1])
		}
	}
}
