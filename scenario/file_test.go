package scenario_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yhcr/carecast/scenario"
)

// Every problem of a bad file is reported with its file, line and field.
func TestBadFilesNameFieldAndLine(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown top-level field", "horizon_years: 5\nhorizon: 3\n",
			[]string{`bad.yaml:2: horizon: unknown field "horizon"`}},
		{"wrong type", "horizon_years: ten\n",
			[]string{`bad.yaml:1: horizon_years: want a whole number, not "ten"`}},
		{"missing horizon", "name: x\n",
			[]string{"bad.yaml:1: horizon_years: want 1 to 20 years, not 0"}},
		{"horizon too long", "horizon_years: 30\n",
			[]string{"bad.yaml:1: horizon_years: want 1 to 20 years, not 30"}},
		{"bad name", "name: Big Plan\nhorizon_years: 5\n",
			[]string{`bad.yaml:1: name: want lower-case letters`}},
		{"unknown service", "horizon_years: 5\nservices:\n  ae_attendence:\n    activity_avoided: 0.1\n",
			[]string{`bad.yaml:4: services.ae_attendence: unknown service "ae_attendence"`}},
		{"unknown factor", "horizon_years: 5\nservices:\n  ae_attendance:\n    avoided: 0.1\n",
			[]string{`bad.yaml:4: services.ae_attendance.avoided: unknown field "avoided"`}},
		{"unknown distribution field", "horizon_years: 5\nservices:\n  ae_attendance:\n    activity_avoided: {p10: 0.1, p95: 0.2}\n",
			[]string{`bad.yaml:4: services.ae_attendance.activity_avoided.p95: unknown field "p95"`}},
		{"p10 above p90 and out of range", "horizon_years: 5\nservices:\n  ae_attendance:\n    activity_avoided:\n      p10: 0.5\n      p90: 1.5\n",
			[]string{"bad.yaml:6: services.ae_attendance.activity_avoided.p90: 1.5 is outside the valid range [0, 1]"}},
		{"p10 above p90", "horizon_years: 5\nservices:\n  ae_attendance:\n    non_demographic_growth:\n      p10: 0.05\n      p90: 0.01\n",
			[]string{"bad.yaml:5: services.ae_attendance.non_demographic_growth.p10: p10 (0.05) is above p90 (0.01)"}},
		{"text for a number", "horizon_years: 5\nservices:\n  ae_attendance:\n    activity_avoided: lots\n",
			[]string{`bad.yaml:4: services.ae_attendance.activity_avoided: want a number or a distribution`}},
		{"unknown distribution", "horizon_years: 5\nservices:\n  ae_attendance:\n    activity_avoided: {distribution: beta, p10: 0.1, p90: 0.2}\n",
			[]string{`bad.yaml:4: services.ae_attendance.activity_avoided.distribution: unknown distribution "beta"`}},
		{"triangular without mode", "horizon_years: 5\nservices:\n  ae_attendance:\n    activity_avoided: {distribution: triangular, min: 0, max: 0.2}\n",
			[]string{"bad.yaml:4: services.ae_attendance.activity_avoided: a triangular distribution needs mode"}},
		{"lognormal of a negative", "horizon_years: 5\nservices:\n  ae_attendance:\n    non_demographic_growth: {distribution: lognormal, p10: -0.01, p90: 0.02}\n",
			[]string{"bad.yaml:4: services.ae_attendance.non_demographic_growth.p10: a lognormal distribution needs p10 above 0"}},
		{"length of stay of outpatients", "horizon_years: 5\nservices:\n  outpatient_attendance:\n    length_of_stay_change: -0.1\n",
			[]string{"bad.yaml:4: services.outpatient_attendance.length_of_stay_change: applies to admissions only"}},
		{"beds for GP", "horizon_years: 5\nservices:\n  gp_appointment:\n    capacity:\n      bed_occupancy: 0.9\n",
			[]string{"bad.yaml:5: services.gp_appointment.capacity.bed_occupancy: beds are planned for admissions only"}},
		{"occupancy of zero", "horizon_years: 5\nservices:\n  emergency_admission:\n    capacity:\n      bed_occupancy: 0\n",
			[]string{"bad.yaml:5: services.emergency_admission.capacity.bed_occupancy: 0 is outside the valid range (0, 1]"}},
		{"sessions without minutes", "horizon_years: 5\nservices:\n  outpatient_attendance:\n    capacity:\n      session_hours: 3.5\n",
			[]string{"bad.yaml:5: services.outpatient_attendance.capacity.session_hours: sessions need minutes_per_appointment too"}},
		{"move without share, to itself", "horizon_years: 5\nservices:\n  outpatient_attendance:\n    moves:\n      - to: outpatient_attendance\n",
			[]string{"bad.yaml:5: services.outpatient_attendance.moves[0].to: activity cannot move to its own service",
				"bad.yaml:5: services.outpatient_attendance.moves[0].share: required"}},
		{"a setting with factors", "horizon_years: 5\nservices:\n  outpatient_attendance:\n    moves: [{to: virtual, share: 0.1}]\n  virtual:\n    activity_avoided: 0.1\n",
			[]string{"bad.yaml:6: services.virtual: virtual is a setting activity moves to: give it capacity only"}},
		{"probabilities", "horizon_years: 5\ndemographic:\n  variants:\n    - {name: principal, probability: 0.5}\n    - {name: high, probability: 0.2}\n",
			[]string{"bad.yaml:4: demographic.variants: probabilities add up to 0.7, not 1"}},
		{"variant without file", "horizon_years: 5\ndemographic:\n  variants:\n    - name: principal\n      probability: 0.5\n    - name: local-plan\n      probability: 0.5\n",
			[]string{"bad.yaml:6: demographic.variants[1].file: required"}},
		{"group with nothing", "horizon_years: 5\nservices:\n  ae_attendance:\n    groups:\n      - ages: {from: 80, to: 70}\n",
			[]string{"bad.yaml:5: services.ae_attendance.groups[0]: a group needs a factor to override",
				"bad.yaml:5: services.ae_attendance.groups[0].ages: want 0 ≤ from ≤ to"}},
		{"duplicate key", "horizon_years: 5\nhorizon_years: 6\n",
			[]string{`bad.yaml:2: mapping key "horizon_years" already defined`}},
		{"not YAML", "horizon_years: [5\n",
			[]string{"bad.yaml:1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := scenario.Parse([]byte(c.yaml), "bad.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, scenario.ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nwant it to say %q", err, w)
				}
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	f, err := scenario.Parse([]byte("horizon_years: 5\n"), "dir/my-plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "my-plan" || f.Title != "my-plan" {
		t.Errorf("name %q, title %q: want the file's base name", f.Name, f.Title)
	}
	if len(f.Demographic.Variants) != 1 || f.Demographic.Variants[0].Name != scenario.Principal {
		t.Errorf("variants %+v, want the principal alone", f.Demographic.Variants)
	}
	// An explicit zero means zero.
	f, err = scenario.Parse([]byte("horizon_years: 5\nphase_in_years: 0\nseed: 0\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if *f.PhaseInYears != 0 || *f.Seed != 0 {
		t.Errorf("phase_in_years %d, seed %d: want the zeros given", *f.PhaseInYears, *f.Seed)
	}
}

// The example scenarios shipped in scenarios/ are valid.
func TestExampleScenarios(t *testing.T) {
	files, err := filepath.Glob("../scenarios/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example scenarios: %v", err)
	}
	for _, path := range files {
		f, err := scenario.Load(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if f.Description == "" {
			t.Errorf("%s: no description", path)
		}
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(path, []byte("horizon_years: 5\ndraws: 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := scenario.Load(path)
	if err == nil || !strings.Contains(err.Error(), path+":2: draws: want 1 to 100000 draws, not 0") {
		t.Errorf("error %v, want it to name %s, line 2 and draws", err, path)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("horizon_years: 5\n"))
	f.Add([]byte(randomScenario))
	f.Add([]byte("horizon_years: 5\nservices:\n  ae_attendance:\n    activity_avoided: {p10: 0.1, p90: 0.2}\n"))
	f.Add([]byte("horizon_years: 5\nservices:\n  ae_attendance:\n    groups:\n      - {ages: {from: 65}, activity_avoided: {distribution: triangular, min: 0, mode: 0.1, max: 0.2}}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := scenario.Parse(b, "fuzz.yaml")
		if err != nil {
			if !errors.Is(err, scenario.ErrInvalid) {
				t.Fatalf("error not marked invalid: %v", err)
			}
			return
		}
		if s.HorizonYears < 1 || s.HorizonYears > scenario.MaxHorizonYears {
			t.Fatalf("accepted horizon %d", s.HorizonYears)
		}
	})
}
