package pseudonymise

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/internal/config"
)

func TestParseList(t *testing.T) {
	tests := []struct {
		file    string
		dat     bool
		want    []uint64
		wantErr string // part of the error message
	}{
		{"deny.txt", false, []uint64{9990000018, 9990000026, 9990000034}, ""},
		{"deny_crlf.txt", false, []uint64{9990000018, 9990000026}, ""},
		{"response.dat", true, []uint64{9990000018, 9990000026, 9990000034}, ""},
		{"response_crlf.dat", true, nil, "response_crlf.dat line 1: CRLF"},
		{"error_response.dat", true, nil, "error response"},
		{"bad_checksum.dat", true, nil, "bad_checksum.dat line 2: not a valid"},
		{"malformed.txt", false, nil, "malformed.txt line 2: not a valid"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseList(bytes.NewReader(b), tt.file, tt.dat)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrOptOutList) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				assertNoLineContent(t, err.Error(), b)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var keys []uint64
			for k := range got {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, tt.want) {
				t.Errorf("got %v, want %v", keys, tt.want)
			}
		})
	}
}

// phrases is the fixed text of parseList's errors: input that happens to
// match it is not quoted input.
const phrases = "opt-out list unusable: not a valid 10-digit NHS number; CRLF line end (the service's .dat uses LF); " +
	"line too long; is the Check service's error response (the request held invalid NHS numbers), not a list"

// assertNoLineContent fails if msg quotes a line (of 4 or more bytes) of
// the input.
func assertNoLineContent(t *testing.T, msg string, input []byte) {
	t.Helper()
	for _, line := range bytes.Split(input, []byte("\n")) {
		line = bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(line), []byte(",")))
		if len(line) >= 4 && strings.Contains(msg, string(line)) && !strings.Contains(phrases, string(line)) {
			t.Errorf("error %q quotes the input", msg)
		}
	}
}

func FuzzParseDenyList(f *testing.F)      { fuzzParseList(f, false) }
func FuzzParseCheckResponse(f *testing.F) { fuzzParseList(f, true) }

func fuzzParseList(f *testing.F, dat bool) {
	for _, name := range []string{"deny.txt", "deny_crlf.txt", "response.dat", "response_crlf.dat", "error_response.dat", "malformed.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parseList(bytes.NewReader(b), "list", dat)
		if err != nil {
			if !errors.Is(err, ErrOptOutList) {
				t.Fatalf("error not an ErrOptOutList: %v", err)
			}
			assertNoLineContent(t, err.Error(), b)
			return
		}
		for n := range got {
			if n >= 1e10 || !canonical.ValidNHSNumber(nhsString(n)) {
				t.Fatalf("accepted an invalid number %d", n)
			}
		}
	})
}

func nhsString(n uint64) string {
	b := make([]byte, 10)
	for i := 9; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

func listFile(t *testing.T, fixture string, age time.Duration, now time.Time) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), fixture)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	mod := now.Add(-age)
	if err := os.Chtimes(path, mod, mod); err != nil {
		t.Fatal(err)
	}
	return path
}

func emptyFile(t *testing.T, name string) string {
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// renamed moves path to name in its folder, keeping its mtime.
func renamed(t *testing.T, path, name string) string {
	to := filepath.Join(filepath.Dir(path), name)
	if err := os.Rename(path, to); err != nil {
		t.Fatal(err)
	}
	return to
}

func TestLoadOptOutsFailsClosed(t *testing.T) {
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	week := config.Duration(7 * 24 * time.Hour)
	off := false
	tests := []struct {
		name    string
		cfg     func(t *testing.T) config.OptOuts
		wantErr string
	}{
		{"fresh lists", func(t *testing.T) config.OptOuts {
			return config.OptOuts{
				NationalDenyList:     &config.ListFile{Path: listFile(t, "deny.txt", time.Hour, now), MaxAge: week},
				CheckServiceResponse: &config.ListFile{Path: listFile(t, "response.dat", 6*24*time.Hour, now), MaxAge: week},
			}
		}, ""},
		{"no max_age", func(t *testing.T) config.OptOuts {
			return config.OptOuts{NationalDenyList: &config.ListFile{Path: listFile(t, "deny.txt", 400*24*time.Hour, now)}}
		}, ""},
		{"stale deny list", func(t *testing.T) config.OptOuts {
			return config.OptOuts{NationalDenyList: &config.ListFile{Path: listFile(t, "deny.txt", 8*24*time.Hour, now), MaxAge: week}}
		}, "stale"},
		{"stale response", func(t *testing.T) config.OptOuts {
			return config.OptOuts{CheckServiceResponse: &config.ListFile{Path: listFile(t, "response.dat", 8*24*time.Hour, now), MaxAge: week}}
		}, "stale"},
		{"missing", func(t *testing.T) config.OptOuts {
			return config.OptOuts{NationalDenyList: &config.ListFile{Path: filepath.Join(t.TempDir(), "deny.txt")}}
		}, "no such file"},
		{"unreadable", func(t *testing.T) config.OptOuts {
			return config.OptOuts{NationalDenyList: &config.ListFile{Path: t.TempDir()}} // a folder
		}, "national_deny_list"},
		{"error response", func(t *testing.T) config.OptOuts {
			return config.OptOuts{CheckServiceResponse: &config.ListFile{Path: listFile(t, "error_response.dat", 0, now)}}
		}, "error response"},
		// Issue 14, finding 4: an empty list, one far smaller than expected,
		// and one whose own date is old although cp reset its mtime.
		{"empty deny list", func(t *testing.T) config.OptOuts {
			return config.OptOuts{NationalDenyList: &config.ListFile{Path: emptyFile(t, "deny.txt")}}
		}, "0 entries"},
		{"empty response", func(t *testing.T) config.OptOuts {
			return config.OptOuts{CheckServiceResponse: &config.ListFile{Path: emptyFile(t, "response.dat")}}
		}, "0 entries"},
		{"below min_entries", func(t *testing.T) config.OptOuts {
			return config.OptOuts{NationalDenyList: &config.ListFile{Path: listFile(t, "deny.txt", time.Hour, now), MinEntries: 1000}}
		}, "3 entries, fewer than min_entries 1000"},
		{"as_of older than max_age, mtime fresh", func(t *testing.T) config.OptOuts {
			return config.OptOuts{NationalDenyList: &config.ListFile{Path: listFile(t, "deny.txt", time.Hour, now), MaxAge: week, AsOf: "2024-02-01"}}
		}, "stale"},
		{"dated name older than max_age, mtime fresh", func(t *testing.T) config.OptOuts {
			return config.OptOuts{NationalDenyList: &config.ListFile{Path: renamed(t, listFile(t, "deny.txt", time.Hour, now), "ndop_deny_20240201.txt"),
				MaxAge: week, DatedName: "ndop_deny_YYYYMMDD.txt"}}
		}, "stale"},
		{"dated name fresh", func(t *testing.T) config.OptOuts {
			return config.OptOuts{NationalDenyList: &config.ListFile{Path: renamed(t, listFile(t, "deny.txt", 30*24*time.Hour, now), "ndop_deny_2024-02-28.txt"),
				MaxAge: week, DatedName: "ndop_deny_YYYY-MM-DD.txt"}}
		}, ""},
		{"name without the pattern's date", func(t *testing.T) config.OptOuts {
			return config.OptOuts{NationalDenyList: &config.ListFile{Path: listFile(t, "deny.txt", time.Hour, now), DatedName: "ndop_deny_YYYYMMDD.txt"}}
		}, "does not match dated_name"},
		{"disabled: lists not read", func(t *testing.T) config.OptOuts {
			return config.OptOuts{Enabled: &off, NationalDenyList: &config.ListFile{Path: filepath.Join(t.TempDir(), "gone")}}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := LoadOptOuts(tt.cfg(t), now)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if o == nil {
					t.Fatal("nil OptOuts")
				}
				return
			}
			if !errors.Is(err, ErrOptOutList) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want ErrOptOutList with %q", err, tt.wantErr)
			}
		})
	}
}

func TestEvidence(t *testing.T) {
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	path := listFile(t, "response.dat", time.Hour, now)
	o, err := LoadOptOuts(config.OptOuts{CheckServiceResponse: &config.ListFile{Path: path}}, now)
	if err != nil {
		t.Fatal(err)
	}
	// No Type 1 codes are configured here, so this objects to nothing.
	o.AddObjection(&canonical.Objection{PersonKey: "9990000042", Date: 10, Code: "9Nu0"})
	ev := o.Evidence()
	if len(ev) != 2 {
		t.Fatalf("evidence %+v", ev)
	}
	e := ev[0]
	b, _ := os.ReadFile(path)
	sum := sha256.Sum256(b)
	if e.Source != SourceCheckResponse || e.File != "response.dat" || e.Entries != 3 ||
		e.SHA256 != hex.EncodeToString(sum[:]) || !e.Modified.Equal(now.Add(-time.Hour)) {
		t.Errorf("evidence %+v", e)
	}
	// With neither as_of nor a dated name, the list's date is its mtime,
	// labelled as the fallback it is.
	if !e.AsOf.Equal(now.Add(-time.Hour)) || e.AsOfSource != AsOfModified {
		t.Errorf("as of %v from %q", e.AsOf, e.AsOfSource)
	}
	for _, tt := range []struct {
		list   config.ListFile
		asOf   time.Time
		source string
	}{
		{config.ListFile{Path: path, AsOf: "2024-02-29"}, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), AsOfConfig},
		{config.ListFile{Path: renamed(t, listFile(t, "response.dat", time.Hour, now), "response_20240228.dat"), DatedName: "response_YYYYMMDD.dat"},
			time.Date(2024, 2, 28, 0, 0, 0, 0, time.UTC), AsOfFileName},
	} {
		o, err := LoadOptOuts(config.OptOuts{CheckServiceResponse: &tt.list}, now)
		if err != nil {
			t.Fatal(err)
		}
		if e := o.Evidence()[0]; !e.AsOf.Equal(tt.asOf) || e.AsOfSource != tt.source {
			t.Errorf("as of %v from %q, want %v from %q", e.AsOf, e.AsOfSource, tt.asOf, tt.source)
		}
	}
	if ev[1].Source != SourceType1 || ev[1].Entries != 0 {
		t.Errorf("type 1 evidence %+v", ev[1])
	}
}

func TestType1LatestWins(t *testing.T) {
	cfg := config.OptOuts{Type1: config.Type1{
		ObjectionCodes:  []string{"827241000000103", "9Nu0"},
		WithdrawalCodes: []string{"827261000000102", "9Nu1"},
	}}
	d := canonical.MakeDate
	type code struct {
		date canonical.Date
		code string
	}
	tests := []struct {
		name  string
		codes []code
		want  bool
	}{
		{"objection", []code{{d(2020, 1, 1), "9Nu0"}}, true},
		{"objection then withdrawal", []code{{d(2020, 1, 1), "9Nu0"}, {d(2021, 1, 1), "827261000000102"}}, false},
		{"objection, withdrawal, objection", []code{{d(2020, 1, 1), "827241000000103"}, {d(2021, 1, 1), "9Nu1"}, {d(2022, 1, 1), "9Nu0"}}, true},
		{"arrival order does not matter", []code{{d(2022, 1, 1), "9Nu0"}, {d(2020, 1, 1), "9Nu0"}, {d(2021, 1, 1), "9Nu1"}}, true},
		{"withdrawal later, read first", []code{{d(2021, 1, 1), "9Nu1"}, {d(2020, 1, 1), "9Nu0"}}, false},
		{"same day: objection wins", []code{{d(2021, 1, 1), "9Nu0"}, {d(2021, 1, 1), "9Nu1"}}, true},
		{"same day, other order", []code{{d(2021, 1, 1), "9Nu1"}, {d(2021, 1, 1), "9Nu0"}}, true},
		{"unconfigured code ignored", []code{{d(2020, 1, 1), "9Nu0"}, {d(2021, 1, 1), "XaXXX"}}, true},
		{"Read codes are case-sensitive", []code{{d(2020, 1, 1), "9NU0"}}, false},
		{"withdrawal alone", []code{{d(2020, 1, 1), "9Nu1"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := LoadOptOuts(cfg, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range tt.codes {
				o.AddObjection(&canonical.Objection{Feed: "gp", PersonKey: "9990000018", Date: c.date, System: "SNOMED", Code: c.code})
			}
			if got := o.type1Exclusion(lookup(o.type1.nhs, 9990000018)) == exType1; got != tt.want {
				t.Errorf("objects = %v, want %v", got, tt.want)
			}
		})
	}
}

// Finding 3 of issue 14: an objection-like record that fails validation
// excludes its person (fail closed), whatever else is known; an invalid
// withdrawal withdraws nothing.
func TestType1InvalidRecordsFailClosed(t *testing.T) {
	cfg := config.OptOuts{Type1: config.Type1{
		ObjectionCodes:  []string{"827241000000103", "9Nu0"},
		WithdrawalCodes: []string{"827261000000102", "9Nu1"},
	}}
	d := canonical.MakeDate
	valid := func(date canonical.Date, code string) canonical.Objection {
		return canonical.Objection{Feed: "gp", PersonKey: "9990000018", Date: date, System: "SNOMED", Code: code}
	}
	invalid := func(code string) canonical.Objection {
		return canonical.Objection{Feed: "gp", PersonKey: "9990000018", Date: canonical.NoDate, System: "SNOMED CT", Code: code, Invalid: true}
	}
	tests := []struct {
		name    string
		records []canonical.Objection
		want    uint8
	}{
		{"invalid objection alone", []canonical.Objection{invalid("827241000000103")}, exType1Invalid},
		{"invalid record with no code", []canonical.Objection{invalid("")}, exType1Invalid},
		{"invalid record with an unknown code", []canonical.Objection{invalid("X1234")}, exType1Invalid},
		{"a later valid withdrawal does not undo it", []canonical.Objection{invalid("9Nu0"), valid(d(2024, 1, 1), "9Nu1")}, exType1Invalid},
		{"nor an earlier one", []canonical.Objection{valid(d(2024, 1, 1), "9Nu1"), invalid("9Nu0")}, exType1Invalid},
		{"a valid objection is counted as one", []canonical.Objection{invalid("9Nu0"), valid(d(2024, 1, 1), "9Nu0")}, exType1},
		{"invalid withdrawal alone", []canonical.Objection{invalid("9Nu1")}, 0},
		{"invalid withdrawal withdraws nothing", []canonical.Objection{valid(d(2020, 1, 1), "9Nu0"), invalid("827261000000102")}, exType1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := LoadOptOuts(cfg, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.records {
				o.AddObjection(&tt.records[i])
			}
			if got := o.type1Exclusion(lookup(o.type1.nhs, 9990000018)); got != tt.want {
				t.Errorf("exclusion = %d, want %d", got, tt.want)
			}
			ev := o.Evidence()
			t1 := ev[len(ev)-1]
			if (tt.want == exType1Invalid) != (t1.Invalid == 1) || (tt.want == exType1) != (t1.Entries == 1) {
				t.Errorf("evidence %+v", t1)
			}
		})
	}
}
