package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeSeries writes two monthly series in the peers' long CSV format.
func writeSeries(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("series_id,period_index,value\n")
	for i := 1; i <= 48; i++ {
		s := 1 + 0.3*math.Sin(2*math.Pi*float64(i)/12)
		fmt.Fprintf(&b, "A,%d,%.2f\nB,%d,%d\n", i, (100+float64(i))*s, i, i%5)
	}
	p := filepath.Join(dir, "series.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestForecastCommand(t *testing.T) {
	dir := t.TempDir()
	in := writeSeries(t, dir)
	meta := filepath.Join(dir, "meta.csv")
	if err := os.WriteFile(meta, []byte("series_id,freq,h\nA,12,6\nB,12,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		rows     int // forecast rows, header excluded
		timings  int
		stderrIn string
	}{
		{"auto", []string{"--input", in, "--freq", "12", "--h", "6"}, ExitOK, 12, 2, ""},
		{"methods and sidecar", []string{"--input", in, "--freq", meta, "--methods", "ets,snaive,theta"}, ExitOK, 27, 6, ""},
		{"backtests", []string{"--input", in, "--freq", "12", "--h", "6", "--origins", "2"}, ExitOK, 12, 2, ""},
		{"excluded months", []string{"--input", in, "--freq", "12", "--h", "6", "--start", "2019-01-01", "--exclude", "2020-03..2022-03"}, ExitOK, 12, 2, ""},
		{"exclude without start", []string{"--input", in, "--freq", "12", "--h", "6", "--exclude", "2020-03..2022-03"}, ExitUsage, -1, -1, "--start"},
		{"bad exclude", []string{"--input", in, "--freq", "12", "--h", "6", "--start", "2019-01-01", "--exclude", "2022-03..2020-03"}, ExitUsage, -1, -1, "--exclude"},
		{"missing flags", []string{"--input", in}, ExitUsage, -1, -1, "required"},
		{"unknown method", []string{"--input", in, "--freq", "12", "--h", "6", "--method", "tbats"}, ExitUsage, -1, -1, "unknown method"},
		{"missing input", []string{"--input", filepath.Join(dir, "nope.csv"), "--freq", "12", "--h", "6"}, ExitFailure, -1, -1, "read series"},
	}
	for _, tt := range tests {
		out := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
		var stdout, stderr bytes.Buffer
		args := append([]string{"forecast", "--log-level", "error", "--out", out}, tt.args...)
		code := Run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
		if code != tt.code {
			t.Errorf("%s: exit %d, want %d; stderr %s", tt.name, code, tt.code, stderr.String())
			continue
		}
		if !strings.Contains(stderr.String(), tt.stderrIn) {
			t.Errorf("%s: stderr %q, want %q in it", tt.name, stderr.String(), tt.stderrIn)
		}
		if tt.rows < 0 {
			continue
		}
		fc := readCSV(t, filepath.Join(out, "forecasts.csv"))
		if strings.Join(fc[0], ",") != "series_id,method,step,mean,lo80,hi80,lo95,hi95" || len(fc)-1 != tt.rows {
			t.Errorf("%s: forecasts header %v, %d rows, want %d", tt.name, fc[0], len(fc)-1, tt.rows)
		}
		for _, r := range fc[1:] {
			if !strings.HasPrefix(r[1], "cc_") {
				t.Errorf("%s: method %q without cc_ prefix", tt.name, r[1])
			}
		}
		if tm := readCSV(t, filepath.Join(out, "timings.csv")); len(tm)-1 != tt.timings {
			t.Errorf("%s: %d timing rows, want %d", tt.name, len(tm)-1, tt.timings)
		}
		if slices.Contains(tt.args, "--origins") {
			if acc := readCSV(t, filepath.Join(out, "accuracy.csv")); len(acc)-1 != tt.timings {
				t.Errorf("%s: %d accuracy rows, want %d", tt.name, len(acc)-1, tt.timings)
			}
		}
	}
}

func FuzzParseFreqCSV(f *testing.F) {
	f.Add("series_id,freq,h\nA,12,6\nB,52,\n")
	f.Add("freq,series_id\n4,x\n")
	f.Add("series_id,freq\nA,NaN\n")
	f.Fuzz(func(t *testing.T, in string) {
		freqs, hs, err := parseFreqCSV(strings.NewReader(in))
		if err != nil {
			return
		}
		for k, v := range freqs {
			if v < 1 {
				t.Fatalf("series %q: freq %d", k, v)
			}
		}
		for k, v := range hs {
			if v < 1 {
				t.Fatalf("series %q: h %d", k, v)
			}
		}
	})
}
