package config

import (
	"strings"
	"testing"
)

func TestParseErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown field", "warehouse: w\nnightly: true\n", []string{"nightly", "2"}},
		{"wrong type", "keep_runs: lots\n", []string{"keep_runs"}},
		{"bad fraction", "max_rejected_fraction: 2\n", []string{"max_rejected_fraction"}},
		{"feed format", "feeds:\n  - name: a\n    format: xml\n    path: /x\npseudonymise: {key_env: K}\n", []string{"feeds[0].format", "xml"}},
		{"synthea needs person id", "feeds:\n  - name: s\n    format: synthea\n    path: /x\npseudonymise: {key_env: K}\n", []string{"feeds[0].person_id"}},
		{"real feeds need a key", "feeds:\n  - name: a\n    format: csv\n    path: /x\n", []string{"pseudonymise.key_file"}},
		{"opt-outs off need legal basis", "opt_outs:\n  enabled: false\n", []string{"opt_outs.legal_basis"}},
		{"bad duration", "opt_outs:\n  national_deny_list: {path: l.txt, max_age: soon}\n", []string{"max_age"}},
		{"bad job", "schedule:\n  jobs:\n    - name: n\n      cron: '0 3 * * *'\n      run: dance\n", []string{"schedule.jobs[0].run"}},
		{"bad cron", "schedule:\n  jobs:\n    - name: n\n      cron: '0 25 * * *'\n", []string{"schedule.jobs[0].cron", "25"}},
		{"bad zone", "schedule:\n  location: Mars/Olympus\n", []string{"schedule.location"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestParseDefaults(t *testing.T) {
	c, err := Parse([]byte("opt_outs:\n  national_deny_list: {path: l.txt, max_age: 7d}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.OptOutsEnabled() || !c.IsDemo() || c.Demo.Scale != 0.01 || c.MaxRejectedFraction != 0.05 {
		t.Errorf("defaults not applied: %+v", c)
	}
	if got := c.OptOuts.NationalDenyList.MaxAge; got != Duration(7*24*3600e9) {
		t.Errorf("max_age = %v", got)
	}
	if c.Hash == "" {
		t.Error("no config hash")
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	if _, err := Load("../../carecast.example.yaml"); err != nil {
		t.Fatal(err)
	}
}
