package jsonscan

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// tree decodes the next value into what encoding/json's Unmarshal into an
// any makes (numbers as json.Number), reading every element.
func tree(s *Scanner) any {
	switch s.Peek() {
	case Object:
		m := map[string]any{}
		for k := range s.Object() {
			m[string(k)] = tree(s)
		}
		return m
	case Array:
		a := []any{}
		for range s.Array() {
			a = append(a, tree(s))
		}
		return a
	case String:
		return string(s.String())
	case Number:
		return json.Number(s.Raw())
	case Bool:
		return s.Bool()
	}
	s.Skip() // null, or an error to record
	return nil
}

// agree checks the Scanner against encoding/json on b: the same verdict on
// validity, read element by element or skipped whole, and the same values.
func agree(t *testing.T, b []byte) {
	t.Helper()
	valid := json.Valid(b)
	var s Scanner
	s.Reset(b)
	got := tree(&s)
	err := s.End()
	if (err == nil) != valid {
		t.Fatalf("%q: read error %v, json.Valid %v", b, err, valid)
	}
	s.Reset(b)
	s.Skip()
	if err := s.End(); (err == nil) != valid {
		t.Fatalf("%q: skip error %v, json.Valid %v", b, err, valid)
	}
	if !valid || !utf8.Valid(b) {
		return // encoding/json replaces bad UTF-8; readers check it first
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var want any
	if err := d.Decode(&want); err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %#v\nwant %#v", b, got, want)
	}
}

var cases = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e-3`, `true`, `false`, `null`, ` {"a" : [1, 2, {"b": null}] } `,
	`{"a":"\u00e9\ud83d\ude00\n\t\"\\\/\b\f\r"}`, `"\ud800"`, `"\ud800\u0041"`, `"\udc00\ud800"`,
	`{"a":1,"a":2}`, `[1,]`, `{"a":1,}`, `{,}`, `[,1]`, `{"a" 1}`, `{"a":1 "b":2}`, `[1 2]`, `{1:2}`,
	`01`, `1.`, `.5`, `1e`, `1e+`, `-`, `+1`, `tru`, `nul`, `"abc`, `"a\x"`, `"\u12"`, "\"a\x01\"",
	`[`, `{`, `{"a"`, `{"a":`, `]`, `}`, ``, ` `, `[[[]]]`, `[{}]`, `{"a":{"b":{"c":[]}}}`, `1 2`, `{}x`,
	"\"\xff\"", "{\"\xe9\":1}", strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
}

func TestAgreesWithEncodingJSON(t *testing.T) {
	for _, c := range cases {
		agree(t, []byte(c))
	}
	for _, path := range fixtures(t) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for line := range bytes.Lines(b) {
			agree(t, line)
		}
	}
}

// fixtures are the FHIR test files of the repository: real resources.
func fixtures(t testing.TB) []string {
	var out []string
	for _, pat := range []string{"../../fhir/testdata/bulk2/*.ndjson", "../../fhir/testdata/bundles/*.json"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	return out
}

func FuzzScanner(f *testing.F) {
	for _, c := range cases[:len(cases)-2] {
		f.Add([]byte(c))
	}
	for _, path := range fixtures(f) {
		if b, err := os.ReadFile(path); err == nil {
			line, _, _ := bytes.Cut(b, []byte("\n"))
			f.Add(line)
		}
	}
	f.Fuzz(agree)
}

// The shape checks: reading a value as the wrong kind is an error, and the
// loops end.
func TestWrongKind(t *testing.T) {
	tests := []struct {
		in   string
		read func(*Scanner)
	}{
		{`[1]`, func(s *Scanner) {
			for range s.Object() {
				t.Error("yielded a key of an array")
			}
		}},
		{`{"a":1}`, func(s *Scanner) {
			for range s.Array() {
				t.Error("yielded an element of an object")
			}
		}},
		{`1`, func(s *Scanner) { s.String() }},
		{`"x"`, func(s *Scanner) { s.Bool() }},
		{`{"a":1,"b":2}`, func(s *Scanner) {
			for range s.Object() {
				s.Skip()
				break // leaves the object unread
			}
		}},
	}
	for _, tt := range tests {
		var s Scanner
		s.Reset([]byte(tt.in))
		tt.read(&s)
		if err := s.End(); err == nil {
			t.Errorf("%s: no error", tt.in)
		}
	}
}

// Strings handed out stay valid until Reset, escaped or not.
func TestStringsStay(t *testing.T) {
	var s Scanner
	s.Reset([]byte(`["a\nb", "plain", "c\u00e9", "d\"e"]`))
	var got []string
	var kept [][]byte
	for range s.Array() {
		v := s.String()
		kept = append(kept, v)
		got = append(got, string(v))
	}
	if err := s.End(); err != nil {
		t.Fatal(err)
	}
	for i, v := range kept {
		if string(v) != got[i] {
			t.Errorf("string %d changed to %q from %q", i, v, got[i])
		}
	}
}

func BenchmarkSkip(b *testing.B) {
	data, err := os.ReadFile("../../fhir/testdata/bulk2/Encounter.000.ndjson")
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var s Scanner
	for b.Loop() {
		for _, l := range lines {
			s.Reset(l)
			s.Skip()
			if s.End() != nil {
				b.Fatal(s.End())
			}
		}
	}
}

func BenchmarkRead(b *testing.B) {
	data, err := os.ReadFile("../../fhir/testdata/bulk2/Encounter.000.ndjson")
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var s Scanner
	var walk func()
	walk = func() {
		switch s.Peek() {
		case Object:
			for range s.Object() {
				walk()
			}
		case Array:
			for range s.Array() {
				walk()
			}
		case String:
			s.String()
		default:
			s.Skip()
		}
	}
	for b.Loop() {
		for _, l := range lines {
			s.Reset(l)
			walk()
			if s.End() != nil {
				b.Fatal(s.End())
			}
		}
	}
}

func BenchmarkEncodingJSONValid(b *testing.B) {
	data, err := os.ReadFile("../../fhir/testdata/bulk2/Encounter.000.ndjson")
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		for _, l := range lines {
			if !json.Valid(l) {
				b.Fatal("invalid")
			}
		}
	}
}
