package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yhcr/carecast/reports/reportstest"
)

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	wh := filepath.Join(dir, "warehouse")
	runDir := reportstest.WriteRun(t, wh, reportstest.Tiny, false)
	config := filepath.Join(dir, "carecast.yaml")
	if err := os.WriteFile(config, []byte("warehouse: "+wh+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "elsewhere")
	for _, c := range []struct {
		name string
		args []string
		code int
		want string // stdout on success, a substring of stderr on failure
	}{
		{"current run", []string{"--config", config}, ExitOK, filepath.Join(runDir, "report", "index.html")},
		{"run and out", []string{"--config", config, "--run", reportstest.RunID, "--out", other}, ExitOK, filepath.Join(other, "index.html")},
		{"bad run id", []string{"--config", config, "--run", "yesterday"}, ExitUsage, "neither a run id nor a business date"},
		{"missing run", []string{"--config", config, "--run", "20200101T000000Z-d20191231"}, ExitFailure, "run 20200101T000000Z-d20191231"},
		{"arguments", []string{"--config", config, "extra"}, ExitUsage, "unexpected arguments"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), append([]string{"report", "--log-level", "error"}, c.args...), strings.NewReader(""), &stdout, &stderr)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, c.code, stderr.String())
			}
			if c.code == ExitOK {
				if got := strings.TrimSpace(stdout.String()); got != c.want {
					t.Errorf("stdout %q, want %q", got, c.want)
				}
				if _, err := os.Stat(c.want); err != nil {
					t.Error(err)
				}
			} else if !strings.Contains(stderr.String(), c.want) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), c.want)
			}
		})
	}
}
