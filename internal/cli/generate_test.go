package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateUsageErrors(t *testing.T) {
	out := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no out", []string{"generate"}, "--out is required"},
		{"zero scale", []string{"generate", "--out", out, "--scale", "0"}, "--scale must be above 0"},
		{"huge scale", []string{"generate", "--out", out, "--scale", "11"}, "--scale must be above 0 and at most 10"},
		{"scale not a number", []string{"generate", "--out", out, "--scale", "lots"}, "invalid value \"lots\" for flag -scale"},
		{"no years", []string{"generate", "--out", out, "--years", "0"}, "--years must be from 1 to 20"},
		{"bad end", []string{"generate", "--out", out, "--end", "2025-02-30"}, "--end: want YYYY-MM-DD"},
		{"unknown format", []string{"generate", "--out", out, "--format", "hl7"}, `--format must be one of csv, fhir, synthea, not "hl7"`},
		{"negative defect rate", []string{"generate", "--out", out, "--defect-rate", "-0.1"}, "--defect-rate must be from 0 to 0.5"},
		{"stray argument", []string{"generate", "--out", out, "extra"}, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, tt.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, ExitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr does not mention %q:\n%s", tt.want, stderr)
			}
		})
	}
}

func TestGenerate(t *testing.T) {
	out := filepath.Join(t.TempDir(), "region")
	code, stdout, stderr := run(t, "generate", "--out", out, "--scale", "0.001", "--years", "1", "--end", "2025-06-30", "--seed", "5")
	if code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"people", "national data opt-outs", "gp_appointment", "2025", "defects"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	for _, name := range []string{"persons.csv", "activity.csv", "gp_objections.csv", "generation.json", "optouts/national_deny_list.txt"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
}
