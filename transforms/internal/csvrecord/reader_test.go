package csvrecord

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// result is what a reader made of its input, record by record, in a form
// both readers' results can be compared in.
func results(t testing.TB, next func() ([]string, int, error)) []string {
	t.Helper()
	var out []string
	for range 1 << 16 {
		rec, line, err := next()
		if errors.Is(err, io.EOF) {
			return out
		}
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			out = append(out, fmt.Sprintf("parse error %+v", *pe))
		case err != nil:
			out = append(out, "error "+err.Error())
		default:
			out = append(out, fmt.Sprintf("line %d %q", line, rec))
		}
	}
	t.Fatal("no end of input")
	return nil
}

// standard reads in with encoding/csv, as transforms.Table did.
func standard(t testing.TB, in string) []string {
	r := csv.NewReader(strings.NewReader(in))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	return results(t, func() ([]string, int, error) {
		rec, err := r.Read()
		line := 0
		if err == nil {
			line, _ = r.FieldPos(0)
		}
		return rec, line, err
	})
}

func ours(t testing.TB, in io.Reader) []string {
	r := NewReader(in)
	// The strings of earlier records must never change: keep them, and
	// what they said when read.
	var kept [][]string
	var said []string
	res := results(t, func() ([]string, int, error) {
		rec, err := r.Read()
		if err == nil {
			invalid := -1
			for i, f := range rec {
				if !utf8.ValidString(f) {
					invalid = i
					break
				}
			}
			if r.InvalidField() != invalid {
				t.Errorf("record %q: InvalidField %d, want %d", rec, r.InvalidField(), invalid)
			}
			kept = append(kept, append([]string(nil), rec...))
			said = append(said, fmt.Sprintf("%q", rec))
		}
		return rec, r.Line(), err
	})
	for i, rec := range kept {
		if now := fmt.Sprintf("%q", rec); now != said[i] {
			t.Errorf("record %d changed: %s, read as %s", i, now, said[i])
		}
	}
	return res
}

func TestReadLikeEncodingCSV(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"simple", "a,b,c\n1,2,3\n"},
		{"no final newline", "a,b\n1,2"},
		{"crlf", "a,b\r\n1,2\r\n"},
		{"cr before end", "a,b\n1,2\r"},
		{"lone cr", "a\rb,c\n"},
		{"empty lines", "\n\na,b\n\r\n\n1,2\n\n"},
		{"empty fields", ",,\n,\n"},
		{"quoted", "\"a\",\"b,c\",\"d\"\"e\"\n"},
		{"quoted newline", "a,\"b\nc\",d\n1,2,3\n"},
		{"quoted crlf", "a,\"b\r\nc\"\r\nx\n"},
		{"quoted to end", "a,\"b"},
		{"quoted then eof newline", "a,\"b\n"},
		{"bare quote", "a,b\"c,d\nok,1\n"},
		{"quote after quoted", "\"a\"b,c\nok\n"},
		{"quoted empty", "\"\",\"\"\n"},
		{"quoted at end no newline", "a,\"b\""},
		{"mixed fast and slow", "1,2\n\"3\",4\n5,6\n"},
		{"invalid utf8", "a,\xff,c\n\"\xfe\",b\n"},
		{"utf8", "é,ü\n\"ß\",x\n"},
		{"quote in a later word", "abcdefgh,ijklmnop\"q,r\n"},
		{"quoted field after a word", "12345678,\"quoted, long field\",x\n"},
		{"invalid byte in a later word", "abcdefg\xff,hijklmn,op\xc3\n"},
		{"commas on word edges", ",234567,9012345,\n,,,,,,,,,,,,,,,,\n"},
		{"long line", strings.Repeat("x", 200_000) + ",y\n" + "\"" + strings.Repeat("q", 100_000) + "\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			compare(t, tt.in)
		})
	}
}

func compare(t *testing.T, in string) {
	t.Helper()
	want := standard(t, in)
	for _, r := range []struct {
		name string
		in   io.Reader
	}{
		{"whole", strings.NewReader(in)},
		{"byte at a time", iotest.OneByteReader(strings.NewReader(in))},
	} {
		got := ours(t, r.in)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: got\n%s\nwant (encoding/csv)\n%s", r.name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := NewReader(io.MultiReader(strings.NewReader("a,b\n1,2"), iotest.ErrReader(boom)))
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(); !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
}

// FuzzRead checks that any input reads as encoding/csv reads it.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"a,b,c\n1,2,3\n", "a,\"b\nc\",d\r\n", "abcdefgh,ijklmnop\"q\n", "1234567\xff,x\n", "\"a\"b\n", "a\"b\n", "\n\r\n,\n", "\"", "a,\xff\n", "x\r",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) { compare(t, in) })
}

// BenchmarkRead compares the reader with encoding/csv on activity rows.
func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("record_id,nhs_number,local_id_system,local_id,service,setting,provider,event_date,event_time,code_system,code,length_of_stay\n")
	for i := range 100_000 {
		fmt.Fprintf(&buf, "A%d,999000%04d,,,outpatient_attendance,hospital,RWA,2022-07-25,10:30,SNOMED,185389009,\n", i, i%10000)
	}
	in := buf.Bytes()
	b.Run("csvrecord", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			r := NewReader(bytes.NewReader(in))
			for {
				if _, err := r.Read(); err != nil {
					break
				}
			}
		}
	})
	b.Run("encoding-csv", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			r := csv.NewReader(bytes.NewReader(in))
			r.FieldsPerRecord = -1
			r.ReuseRecord = true
			for {
				if _, err := r.Read(); err != nil {
					break
				}
			}
		}
	})
}

// TestReadAllocations checks that reading a record allocates nothing but,
// now and then, a block for the values of hundreds of records.
func TestReadAllocations(t *testing.T) {
	line := "A123,9990000018,,,outpatient_attendance,hospital,RWA,2022-07-25,10:30,SNOMED,185389009,\n"
	r := NewReader(strings.NewReader(strings.Repeat(line, 20_000)))
	if _, err := r.Read(); err != nil { // the first block and the fields slice
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(10_000, func() {
		if _, err := r.Read(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0.01 {
		t.Errorf("%.4f allocations a record, want under 0.01", allocs)
	}
}
