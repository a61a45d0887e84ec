package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run runs carecast in-process and returns its exit code and output.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	badConfig := filepath.Join(t.TempDir(), "carecast.yaml")
	if err := os.WriteFile(badConfig, []byte("warehouse: w\nnightly: yes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"no command", nil, 2, "Usage"},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"unknown flag", []string{"run", "--nope"}, 2, "flag provided but not defined: -nope"},
		{"bad date", []string{"run", "--date", "31/01/2026"}, 2, "--date: want YYYY-MM-DD"},
		{"from without to", []string{"run", "--from", "2026-01-01"}, 2, "--from and --to go together"},
		{"date with range", []string{"run", "--date", "2026-01-01", "--from", "2026-01-01", "--to", "2026-01-02"}, 2, "cannot be combined"},
		{"to before from", []string{"run", "--from", "2026-01-02", "--to", "2026-01-01"}, 2, "is before"},
		{"stray argument", []string{"run", "extra"}, 2, "unexpected arguments"},
		{"missing config", []string{"run", "--config", "/nonexistent/carecast.yaml"}, 2, "/nonexistent/carecast.yaml"},
		{"unknown config field", []string{"run", "--config", badConfig}, 2, "nightly"},
		{"bad log level", []string{"version", "--log-level", "loud"}, 2, "--log-level"},
		{"version with args", []string{"version", "x"}, 2, "no arguments"},
		{"help for unknown", []string{"help", "frobnicate"}, 2, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr does not mention %q:\n%s", tt.want, stderr)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	code, stdout, _ := run(t, "help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, c := range commands() {
		if !strings.Contains(stdout, c.Name) {
			t.Errorf("help does not list %s", c.Name)
		}
		code, out, errOut := run(t, c.Name, "--help")
		if code != 0 || !strings.Contains(out, "usage: carecast "+c.Name) {
			t.Errorf("%s --help: exit %d\n%s%s", c.Name, code, out, errOut)
		}
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := run(t, "version")
	if code != 0 || !strings.HasPrefix(stdout, "carecast ") {
		t.Errorf("exit %d, %q", code, stdout)
	}
}
