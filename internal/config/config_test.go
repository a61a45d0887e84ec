package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/yhcr/carecast/forecast"
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
		{"loose local code system", "feeds:\n  - name: a\n    format: csv\n    path: /x\n    local_code_systems:\n      - {name: LOCAL, pattern: '[A-Za-z ]+'}\npseudonymise: {key_env: K}\n",
			[]string{"feeds[0].local_code_systems[0]", "free text"}},
		{"local code system named as a built-in", "feeds:\n  - name: a\n    format: csv\n    path: /x\n    local_code_systems:\n      - {name: SNOMED, pattern: 'LP[0-9]{4}'}\npseudonymise: {key_env: K}\n",
			[]string{"feeds[0].local_code_systems[0]", "built-in"}},
		{"shared system not a URI", "shared_identifier_systems: [MRN]\n", []string{"shared_identifier_systems[0]", "MRN"}},
		// Issue 14, finding 4: real feeds with opt-outs on need a national source.
		{"real feeds need a national opt-out source", "feeds:\n  - name: a\n    format: csv\n    path: /x\npseudonymise: {key_env: K}\n",
			[]string{"opt_outs.national_deny_list", "check_service_response", "required"}},
		{"min_entries 0", "opt_outs:\n  national_deny_list: {path: l.txt, min_entries: 0}\n", []string{"opt_outs.national_deny_list.min_entries"}},
		{"as_of not a date", "opt_outs:\n  check_service_response: {path: r.dat, as_of: yesterday}\n", []string{"opt_outs.check_service_response.as_of"}},
		{"dated_name without a date", "opt_outs:\n  national_deny_list: {path: l.txt, dated_name: 'deny_*.txt'}\n", []string{"opt_outs.national_deny_list.dated_name", "YYYY"}},
		{"as_of and dated_name", "opt_outs:\n  national_deny_list: {path: deny_20240101.txt, as_of: 2024-01-01, dated_name: 'deny_YYYYMMDD.txt'}\n",
			[]string{"opt_outs.national_deny_list", "as_of or dated_name"}},
		{"empty scenario path", "scenarios: [a.yaml, '']\n", []string{"scenarios[1]", "empty"}},
		{"scenario listed twice", "scenarios: [a.yaml, a.yaml]\n", []string{"scenarios[1]", "twice"}},
		{"scenario job without scenarios", "schedule:\n  jobs:\n    - name: n\n      cron: '0 3 * * *'\n      run: scenario\n", []string{"schedule.jobs[0].run", "none are listed"}},
		{"unknown region", "warehouse: w\nregion: greater-londn\n", []string{"region (line 2)", "greater-londn", "greater-manchester"}},
		{"unknown ICBs", "region: [QOP, QXX, E54000099]\n", []string{"region (line 1)", "QXX, E54000099"}},
		{"region of the wrong shape", "region: {icb: QOP}\n", []string{"region (line 1)"}},
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

// TestRegion reads the region as a preset, a list of ICB codes or one
// comma-separated string.
func TestRegion(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"keep_runs: 3\n", "yorkshire-humber"},
		{"region: greater-manchester\n", "greater-manchester"},
		{"region: [QWO, E54000061]\n", "QWO,E54000061"},
		{"region:\n  - QMJ\n  - QMF\n", "QMJ,QMF"},
		{"region: \"QRL, QVV\"\n", "QRL, QVV"},
	} {
		cfg, err := Parse([]byte(c.yaml))
		if err != nil {
			t.Errorf("%q: %v", c.yaml, err)
			continue
		}
		if cfg.Region.String() != c.want {
			t.Errorf("%q: region %q, want %q", c.yaml, cfg.Region.String(), c.want)
		}
	}
}

// TestReportTitle names the region in the report's default title.
func TestReportTitle(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"keep_runs: 3\n", "Yorkshire & Humber population health: demand and forecasts"},
		{"region: greater-manchester\n", "Greater Manchester population health: demand and forecasts"},
		{"region: [QWO, QF7]\n", "West Yorkshire, South Yorkshire population health: demand and forecasts"},
		{"region: greater-manchester\nreport: {title: GM demand}\n", "GM demand"},
	} {
		cfg, err := Parse([]byte(c.yaml))
		if err != nil {
			t.Errorf("%q: %v", c.yaml, err)
			continue
		}
		if cfg.ReportTitle() != c.want {
			t.Errorf("%q: title %q, want %q", c.yaml, cfg.ReportTitle(), c.want)
		}
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	if _, err := Load("../../carecast.example.yaml"); err != nil {
		t.Fatal(err)
	}
}

// TestExplicitZero: a value written in the file is the value used, zero
// included, wherever zero is valid; where it is not, it is an error naming
// the field — never silently replaced by the default.
func TestExplicitZero(t *testing.T) {
	job := "schedule:\n  jobs:\n    - name: n\n      cron: '0 3 * * *'\n"
	for _, tt := range []struct {
		field, yaml string
		check       func(*Config) bool
	}{
		{"keep_runs", "keep_runs: 0\n", func(c *Config) bool { return c.KeepRuns == 0 }},
		{"max_rejected_fraction", "max_rejected_fraction: 0\n", func(c *Config) bool { return c.MaxRejectedFraction == 0 }},
		{"feeds[0].max_rejected_fraction", "feeds:\n  - {name: a, format: csv, path: /x, max_rejected_fraction: 0}\npseudonymise: {key_env: K}\nopt_outs: {national_deny_list: {path: l.txt}}\n",
			func(c *Config) bool { return c.FeedMaxRejected(c.Feeds[0]) == 0 }},
		{"lock_timeout", "lock_timeout: 0s\n", func(c *Config) bool { return c.LockTimeout == 0 }},
		{"demo.seed", "demo:\n  seed: 0\n", func(c *Config) bool { return c.Demo.Seed == 0 }},
		{"demo.defect_rate", "demo:\n  defect_rate: 0\n", func(c *Config) bool { return c.Demo.DefectRate == 0 }},
		{"opt_outs.enabled", "opt_outs:\n  enabled: false\n  legal_basis: s251 support\n", func(c *Config) bool { return !c.OptOutsEnabled() }},
		{"opt_outs.type1.withdrawal_codes", "opt_outs:\n  type1:\n    withdrawal_codes: []\n", func(c *Config) bool { return len(c.OptOuts.Type1.WithdrawalCodes) == 0 }},
		{"forecast.enabled", "forecast:\n  enabled: false\n", func(c *Config) bool { return !c.ForecastEnabled() }},
		{"forecast.backtest_origins", "forecast:\n  backtest_origins: 0\n", func(c *Config) bool { return c.Forecast.BacktestOrigins == 0 }},
		{"forecast.workers", "forecast:\n  workers: 0\n", func(c *Config) bool { return c.Forecast.Workers == 0 }},
		{"report.enabled", "report:\n  enabled: false\n", func(c *Config) bool { return !c.ReportEnabled() }},
		{"report.suppress_max", "report:\n  suppress_max: 0\n", func(c *Config) bool { return c.Report.SuppressMax == 0 }},
		{"report.change_points", "report:\n  change_points: []\n", func(c *Config) bool { return len(c.Report.ChangePoints) == 0 }},
		{"schedule.jobs[0].retries", job + "      retries: 0\n", func(c *Config) bool { return c.Schedule.Jobs[0].Retries == 0 }},
		{"schedule.jobs[0].retry_backoff", job + "      retry_backoff: 0s\n", func(c *Config) bool { return c.Schedule.Jobs[0].RetryBackoff == 0 }},
		// No scenarios at all, where leaving the field out runs the demo's.
		{"scenarios", "scenarios: []\n", func(c *Config) bool { return c.Scenarios != nil && len(c.Scenarios) == 0 }},
	} {
		t.Run(tt.field, func(t *testing.T) {
			c, err := Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("%s: the explicit zero was replaced: %+v", tt.field, c)
			}
		})
	}
	for _, tt := range []struct{ field, yaml string }{
		{"work_dir", "work_dir: ''\n"},
		{"warehouse", "warehouse: ''\n"},
		{"region", "region: ''\n"},
		{"demo.scale", "demo:\n  scale: 0\n"},
		{"demo.years", "demo:\n  years: 0\n"},
		{"demo.format", "demo:\n  format: ''\n"},
		{"opt_outs.national_deny_list.max_age", "opt_outs:\n  national_deny_list: {path: l.txt, max_age: 0s}\n"},
		{"opt_outs.check_service_response.max_age", "opt_outs:\n  check_service_response: {path: r.dat, max_age: 0d}\n"},
		{"opt_outs.type1.objection_codes", "opt_outs:\n  type1:\n    objection_codes: []\n"},
		{"forecast.method", "forecast:\n  method: ''\n"},
		{"forecast.horizon_months", "forecast:\n  horizon_months: 0\n"},
		{"forecast.horizon_weeks", "forecast:\n  horizon_weeks: 0\n"},
		{"report.round_to", "report:\n  round_to: 0\n"},
		{"schedule.location", "schedule:\n  location: ''\n"},
		{"schedule.jobs[0].max_age", job + "      max_age: 0s\n"},
		{"schedule.jobs[0].run", job + "      run: ''\n"},
		{"schedule.jobs[0].catch_up", job + "      catch_up: ''\n"},
		{"log.format", "log:\n  format: ''\n"},
		{"log.level", "log:\n  level: ''\n"},
		{"report.change_points[0].month", "report:\n  change_points: [{month: '2020-3-1', label: x}]\n"},
		{"report.change_points[1].month", "report:\n  change_points: [{month: '2021-07', label: x}, {month: '2020-03', label: y}]\n"},
		{"report.change_points[0].label", "report:\n  change_points: [{month: '2020-03', label: ''}]\n"},
	} {
		t.Run(tt.field, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("%s: error %v, want one naming the field", tt.field, err)
			}
		})
	}
}

// TestDefaultsWhereLeftOut: what the file leaves out keeps its default,
// also in list elements and in sections written empty.
func TestDefaultsWhereLeftOut(t *testing.T) {
	c, err := Parse([]byte("demo:\nforecast: {}\nopt_outs:\n  national_deny_list: {path: l.txt}\nschedule:\n  jobs:\n    - name: n\n      cron: '0 3 * * *'\n    - name: m\n      cron: '0 4 * * *'\n      retries: 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	if c.Demo != want.Demo || !reflect.DeepEqual(c.Forecast, want.Forecast) || c.KeepRuns != 7 || c.MaxRejectedFraction != 0.05 || c.LockTimeout != 0 {
		t.Errorf("defaults lost: %+v", c)
	}
	if got := c.OptOuts.NationalDenyList.MaxAge; got != 0 {
		t.Errorf("national_deny_list.max_age left out = %v, want 0 (no age checked)", got)
	}
	for i, j := range c.Schedule.Jobs {
		d := defaultJob()
		if j.Run != d.Run || j.BusinessDate != d.BusinessDate || j.CatchUp != d.CatchUp || j.MaxAge != d.MaxAge || j.RetryBackoff != d.RetryBackoff {
			t.Errorf("jobs[%d] = %+v, want the defaults %+v", i, j, d)
		}
	}
	if c.Schedule.Jobs[1].Retries != 2 {
		t.Errorf("jobs[1].retries = %d, want 2", c.Schedule.Jobs[1].Retries)
	}
	if c, err := Parse([]byte("lock_timeout: 90s\n")); err != nil || c.LockTimeout != Duration(90*time.Second) {
		t.Errorf("lock_timeout: 90s = %v, %v", c.LockTimeout, err)
	}
	// A job entry keeps strict decoding: unknown fields are errors.
	if _, err := Parse([]byte("schedule:\n  jobs:\n    - name: n\n      cron: '0 3 * * *'\n      retry: 2\n")); err == nil || !strings.Contains(err.Error(), "retry") {
		t.Errorf("unknown job field: %v", err)
	}
}

// TestMethodsAreForecastMethods: every method the config admits is one the
// forecasting stage runs, and the other way round.
func TestMethodsAreForecastMethods(t *testing.T) {
	for _, m := range forecast.Methods {
		if _, err := Parse([]byte("forecast:\n  method: " + m + "\n")); err != nil {
			t.Errorf("method %s: %v", m, err)
		}
	}
	if _, err := Parse([]byte("forecast:\n  method: demographic\n")); err == nil {
		t.Error("method demographic, which the forecasting stage does not run, was accepted")
	}
}

// FuzzDatedName: whatever the pattern and name, NameDate does not panic,
// and a name made from a valid pattern and a date reads back as that date.
func FuzzDatedName(f *testing.F) {
	f.Add("ndop_deny_YYYYMMDD.txt", "ndop_deny_20261120.txt")
	f.Add("*_YYYY-MM-DD.dat", "response_2026-02-30.dat")
	f.Add("DD.MM.YYYY*", "01.02.2026 copy")
	f.Fuzz(func(t *testing.T, pattern, name string) {
		l := &ListFile{DatedName: pattern}
		l.NameDate(name)
		// Round trip for valid patterns whose literal text cannot be
		// mistaken for the date's digits or placeholders.
		literal := strings.NewReplacer("YYYY", "", "MM", "", "DD", "").Replace(pattern)
		if _, err := datedNamePattern(pattern); err != nil || strings.ContainsAny(literal, "*YMD0123456789") {
			return
		}
		made := strings.NewReplacer("YYYY", "2026", "MM", "11", "DD", "20").Replace(pattern)
		got, err := l.NameDate(made)
		if err != nil || got.Format("2006-01-02") != "2026-11-20" {
			t.Errorf("pattern %q, name %q: %v, %v", pattern, made, got, err)
		}
	})
}

// TestExcludePeriods: forecast.exclude_periods defaults to March 2020 –
// March 2022; an empty list turns it off; bad months name the field and
// line; a span must run forwards.
func TestExcludePeriods(t *testing.T) {
	c, err := Parse([]byte("forecast:\n  horizon_months: 12\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Forecast.ExcludePeriods, DefaultExcludePeriods) {
		t.Errorf("left out: %v, want the default %v", c.Forecast.ExcludePeriods, DefaultExcludePeriods)
	}
	c, err = Parse([]byte("forecast:\n  exclude_periods: []\n"))
	if err != nil || len(c.Forecast.ExcludePeriods) != 0 {
		t.Errorf("empty list: %v, %v; want no periods", c.Forecast.ExcludePeriods, err)
	}
	c, err = Parse([]byte("forecast:\n  exclude_periods:\n    - {from: 2008-10, to: 2009-03}\n    - {from: 2020-04, to: 2020-06}\n"))
	if err != nil || len(c.Forecast.ExcludePeriods) != 2 || c.Forecast.ExcludePeriods[1].To != (Month{2020, 6}) {
		t.Errorf("two spans: %v, %v", c.Forecast.ExcludePeriods, err)
	}
	for _, tt := range []struct{ yaml, want string }{
		{"forecast:\n  exclude_periods:\n    - {from: 2020-13, to: 2022-03}\n", "line 3"},
		{"forecast:\n  exclude_periods:\n    - {from: 2022-03, to: 2020-03}\n", "forecast.exclude_periods[0]"},
		{"forecast:\n  exclude_periods:\n    - {from: 2020-03}\n", "forecast.exclude_periods[0]"},
	} {
		if _, err := Parse([]byte(tt.yaml)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q in it", tt.yaml, err, tt.want)
		}
	}
}
