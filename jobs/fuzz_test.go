package jobs

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func FuzzParseBusinessDate(f *testing.F) {
	for _, s := range []string{"today", "yesterday", "today-7", "today-", "today--1", "today-3660", "today-3661", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rule string) {
		back, err := ParseBusinessDate(rule)
		if err != nil {
			return
		}
		if back < 0 || back > 3660 {
			t.Fatalf("ParseBusinessDate(%q) = %d", rule, back)
		}
		if n, ok := cutToday(rule); ok && n != back {
			t.Fatalf("ParseBusinessDate(%q) = %d, want %d", rule, back, n)
		}
	})
}

func cutToday(rule string) (int, bool) {
	if len(rule) > 6 && rule[:6] == "today-" {
		n, err := strconv.Atoi(rule[6:])
		return n, err == nil
	}
	return 0, false
}

// FuzzLedger reads any file as a ledger — torn, corrupt or hostile — without
// failing, and can always append after it.
func FuzzLedger(f *testing.F) {
	f.Add([]byte(`{"id":"a","job":"nightly","status":"succeeded","start":"2026-03-29T03:30:00Z"}` + "\n" + `{"id":"b","jo`))
	f.Add([]byte("\n\n{}\n[1,2]\nnull\n"))
	f.Add([]byte(`{"id":"a","status":"running","pid":-1,"start":"bad"}`))
	f.Fuzz(func(t *testing.T, content []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, LedgerFile), content, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := OpenLedger(dir)
		if err != nil {
			t.Fatal(err)
		}
		before, err := l.Entries()
		if err != nil {
			t.Fatal(err)
		}
		e := Entry{ID: "fuzz-appended", Job: "fuzz", Start: time.Now()}
		if err := l.Start(e); err != nil {
			t.Fatal(err)
		}
		after, err := l.Entries()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := lastOf(after, "fuzz", func(e Entry) bool { return e.ID == "fuzz-appended" }); !ok {
			t.Fatalf("appended entry lost after %q", content)
		}
		if len(after) < len(before) {
			t.Fatalf("appending lost entries: %d before, %d after", len(before), len(after))
		}
	})
}
