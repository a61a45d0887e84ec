package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yhcr/carecast/scenario"
	"github.com/yhcr/carecast/scenario/scenariotest"
)

func TestScenarioCommand(t *testing.T) {
	dir := t.TempDir()
	wh := filepath.Join(dir, "warehouse")
	scenariotest.WriteRun(t, wh)
	config := filepath.Join(dir, "carecast.yaml")
	// The fixture run has no forecasting series to report on.
	if err := os.WriteFile(config, []byte("warehouse: "+wh+"\nreport: {enabled: false}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(good, []byte("name: plan\nhorizon_years: 2\ndraws: 100\nservices:\n  emergency_admission:\n    capacity: {bed_occupancy: 0.9}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("horizon_years: 2\ndraws: -1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	projection := filepath.Join(dir, "projection.csv")
	for _, c := range []struct {
		name string
		args []string
		code int
		want string // a substring of stdout on success, of stderr on failure
	}{
		{"check", []string{"check", good}, ExitOK, "scenario plan, 2 years, 100 draws: ok"},
		{"check a bad file", []string{"check", good, bad}, ExitUsage, bad + ":2: draws: want 1 to 100000 draws, not -1"},
		{"no subcommand", nil, ExitUsage, "name what to do"},
		{"unknown subcommand", []string{"walk"}, ExitUsage, `unknown scenario command "walk"`},
		{"run without files", []string{"run", "--config", config}, ExitUsage, "name the scenario files"},
		// Flags after the files, as people write them.
		{"run", []string{"run", good, "--config", config}, ExitOK, "emergency_admission      beds  2027"},
		{"run a bad file", []string{"run", "--config", config, bad}, ExitUsage, "draws: want 1 to 100000"},
		{"run on a bad run id", []string{"run", "--config", config, "--run", "latest", good}, ExitUsage, "not a run id"},
		{"projection", []string{"projection", "--config", config, "--variant", "high", "--years", "3", "-o", projection}, ExitOK, ""},
		{"projection of an unknown variant", []string{"projection", "--config", config, "--variant", "middling"}, ExitUsage, `unknown variant "middling"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := run(t, append([]string{"scenario", "--log-level", "error"}, c.args...)...)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stdout %s; stderr: %s", code, c.code, stdout, stderr)
			}
			out := stdout
			if code != ExitOK {
				out = stderr
			}
			if !strings.Contains(out, c.want) {
				t.Errorf("output %q, want it to contain %q", out, c.want)
			}
		})
	}
	f, err := os.Open(projection)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := scenario.ReadProjection(f, "projection.csv")
	if err != nil {
		t.Fatal(err)
	}
	// 2 places, 2 bands, 2 sexes, 2025 to 2028.
	if len(rows) != 2*2*2*4 || rows[0].Year != 2025 {
		t.Errorf("projection: %d rows from %d, want 32 from 2025", len(rows), rows[0].Year)
	}
}
