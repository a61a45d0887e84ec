// Package config reads and validates carecast.yaml. Every field is
// documented in carecast.example.yaml at the repository root; errors name the
// field (and the line, where the YAML library knows it).
package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/robfig/cron/v3"

	"github.com/yhcr/carecast/forecast"
	"github.com/yhcr/carecast/internal/refdata"
	"github.com/yhcr/carecast/transforms"
)

// Config is the whole of carecast.yaml.
type Config struct {
	// Region is the run's region: a preset (yorkshire-humber,
	// greater-manchester, wessex, thames-valley, one-london, england) or a
	// list of ICB codes (NHS Q… or ONS E54…), as one string or a YAML list.
	Region Region `yaml:"region"`
	// WorkDir holds generated demo feeds and other scratch data.
	WorkDir string `yaml:"work_dir"`
	// Warehouse is the folder runs are committed into.
	Warehouse string `yaml:"warehouse"`
	// KeepRuns is how many committed runs to keep (0 keeps all).
	KeepRuns int `yaml:"keep_runs"`
	// MaxRejectedFraction fails a feed whose rejected share exceeds it.
	MaxRejectedFraction float64 `yaml:"max_rejected_fraction"`

	Feeds        []Feed       `yaml:"feeds"`
	Demo         Demo         `yaml:"demo"`
	OptOuts      OptOuts      `yaml:"opt_outs"`
	Pseudonymise Pseudonymise `yaml:"pseudonymise"`
	Geography    Geography    `yaml:"geography"`
	Forecast     Forecast     `yaml:"forecast"`
	Report       Report       `yaml:"report"`
	Schedule     Schedule     `yaml:"schedule"`
	Log          Log          `yaml:"log"`
	LockTimeout  Duration     `yaml:"lock_timeout"`

	// Scenarios are planning-scenario files (docs/scenarios.md) run after
	// the forecasts of every pipeline run, side by side. Left out, the demo
	// region runs the example scenarios and real feeds run none; an empty
	// list runs none.
	Scenarios []string `yaml:"scenarios"`

	// SharedIdentifierSystems are identifier systems (URIs) every feed
	// issues from one register, so that the same value is the same person
	// whichever feed sends it. Any other local identifier is namespaced by
	// its feed: two trusts' MRN 123 are two people.
	SharedIdentifierSystems []string `yaml:"shared_identifier_systems"`

	// Path is the file the config was read from ("" for the default).
	Path string `yaml:"-"`
	// Hash is the SHA-256 of the config file's bytes, recorded in every run.
	Hash string `yaml:"-"`
}

// Feed is one partner feed.
type Feed struct {
	Name string `yaml:"name"`
	// Format is csv, fhir or synthea.
	Format string `yaml:"format"`
	Path   string `yaml:"path"`
	// PersonID names the identifier system used as the person key for feeds
	// without NHS numbers (e.g. "synthea-id").
	PersonID string `yaml:"person_id"`
	// MaxRejectedFraction overrides the top-level value for this feed.
	MaxRejectedFraction *float64 `yaml:"max_rejected_fraction"`
	// LocalCodeSystems are the partner's own code systems, whose codes
	// may pass through to the outputs besides those of the built-in ones
	// (ICD-10, SNOMED, OPCS-4, READ, LOINC).
	LocalCodeSystems []LocalCodeSystem `yaml:"local_code_systems"`
}

// LocalCodeSystem declares a partner's own code system.
type LocalCodeSystem struct {
	// Name is what activity.code_system says (and a CSV feed's
	// code_system column holds): 2 to 20 upper-case letters, digits and
	// hyphens.
	Name string `yaml:"name"`
	// URI is the system's FHIR coding.system, if FHIR feeds use it.
	URI string `yaml:"uri"`
	// Pattern is a regular expression every code must match whole. It must
	// not admit spaces, NHS numbers, postcodes, names or dates.
	Pattern string `yaml:"pattern"`
}

// Demo configures the embedded synthetic region used when no feeds are set.
type Demo struct {
	Scale float64 `yaml:"scale"`
	Years int     `yaml:"years"`
	Seed  int64   `yaml:"seed"`
	// End is the last date of generated activity (YYYY-MM-DD); empty means
	// the day before the business date.
	End string `yaml:"end"`
	// Format of the generated feed: csv, fhir or synthea.
	Format string `yaml:"format"`
	// DefectRate is the share of deliberately defective records.
	DefectRate float64 `yaml:"defect_rate"`
}

// OptOuts configures opt-out application. Applied before anything else.
type OptOuts struct {
	// Enabled defaults to true; false requires LegalBasis.
	Enabled *bool `yaml:"enabled"`
	// LegalBasis is carried by every output of a run with opt-outs off.
	LegalBasis string `yaml:"legal_basis"`
	// NationalDenyList is a file of NHS numbers that opted out, one a line.
	NationalDenyList *ListFile `yaml:"national_deny_list"`
	// CheckServiceResponse is the .dat response of the "Check for National
	// Data Opt-outs" service: only the numbers in it may be used.
	CheckServiceResponse *ListFile `yaml:"check_service_response"`
	Type1                Type1     `yaml:"type1"`
	// IncludeWithoutNHSNumber admits people with no NHS number (who cannot be
	// checked against the national lists); requires Reason.
	IncludeWithoutNHSNumber bool   `yaml:"include_without_nhs_number"`
	IncludeReason           string `yaml:"include_reason"`
}

// ListFile is an opt-out list on disk.
type ListFile struct {
	Path string `yaml:"path"`
	// MaxAge is how old the list may be, by the date that travels with it
	// (AsOf or DatedName), else by its modification time, which copying
	// resets and which the manifest labels as a fallback; left out (0), no
	// age is checked. An explicit max_age must be more than 0.
	MaxAge Duration `yaml:"max_age"`
	// MinEntries is the fewest NHS numbers the list may hold: a list far
	// smaller than the partnership's is a truncated or wrong file. At least
	// 1 (the default, also when 0 in a Config built in code): an empty
	// list is never accepted.
	MinEntries int `yaml:"min_entries"`
	// AsOf is the date the list was extracted (YYYY-MM-DD), when the
	// partnership records it with the list.
	AsOf string `yaml:"as_of"`
	// DatedName is the pattern of the list's file name with its date:
	// YYYY, MM and DD stand for the date's digits and * for any text,
	// e.g. "ndop_deny_YYYYMMDD.txt".
	DatedName string `yaml:"dated_name"`

	maxAgeSet, minEntriesSet bool // written in the file
}

// UnmarshalYAML decodes a list file, noting whether max_age and
// min_entries were written: an explicit 0 is an error where leaving them
// out is not.
func (l *ListFile) UnmarshalYAML(unmarshal func(any) error) error {
	var raw struct { // ListFile's fields, with pointers for those defaulted
		Path       string    `yaml:"path"`
		MaxAge     *Duration `yaml:"max_age"`
		MinEntries *int      `yaml:"min_entries"`
		AsOf       string    `yaml:"as_of"`
		DatedName  string    `yaml:"dated_name"`
	}
	if err := unmarshal(&raw); err != nil {
		return err
	}
	*l = ListFile{Path: raw.Path, AsOf: raw.AsOf, DatedName: raw.DatedName, MinEntries: 1}
	if raw.MaxAge != nil {
		l.MaxAge, l.maxAgeSet = *raw.MaxAge, true
	}
	if raw.MinEntries != nil {
		l.MinEntries, l.minEntriesSet = *raw.MinEntries, true
	}
	return nil
}

// ErrNoNameDate reports a list file whose name does not carry the date its
// DatedName pattern says it does.
var ErrNoNameDate = errors.New("file name does not match dated_name")

// NameDate returns the date in a list file's base name, read with the
// DatedName pattern.
func (l *ListFile) NameDate(base string) (time.Time, error) {
	re, err := datedNamePattern(l.DatedName)
	if err != nil {
		return time.Time{}, err
	}
	m := re.FindStringSubmatch(base)
	if m == nil {
		return time.Time{}, fmt.Errorf("%w %q", ErrNoNameDate, l.DatedName)
	}
	var y, mo, d string
	for i, name := range re.SubexpNames() {
		switch name {
		case "y":
			y = m[i]
		case "m":
			mo = m[i]
		case "d":
			d = m[i]
		}
	}
	t, err := time.Parse(time.DateOnly, y+"-"+mo+"-"+d)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w %q: no such date", ErrNoNameDate, l.DatedName)
	}
	return t, nil
}

// datedNamePattern compiles a dated_name pattern: YYYY, MM and DD once each,
// * for any text, everything else literal.
func datedNamePattern(p string) (*regexp.Regexp, error) {
	for _, part := range []string{"YYYY", "MM", "DD"} {
		if strings.Count(p, part) != 1 {
			return nil, fmt.Errorf("dated_name %q must hold YYYY, MM and DD once each", p)
		}
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); {
		switch {
		case strings.HasPrefix(p[i:], "YYYY"):
			b.WriteString(`(?P<y>[0-9]{4})`)
			i += 4
		case strings.HasPrefix(p[i:], "MM"):
			b.WriteString(`(?P<m>[0-9]{2})`)
			i += 2
		case strings.HasPrefix(p[i:], "DD"):
			b.WriteString(`(?P<d>[0-9]{2})`)
			i += 2
		case p[i] == '*':
			b.WriteString(".*")
			i++
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
			i++
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// Type1 lists the GP codes that register and withdraw a Type 1 objection.
type Type1 struct {
	ObjectionCodes  []string `yaml:"objection_codes"`
	WithdrawalCodes []string `yaml:"withdrawal_codes"`
}

// Pseudonymise configures the keyed pseudonym.
type Pseudonymise struct {
	// KeyFile holds the key (at least 32 bytes; refused if group or world
	// readable). Exactly one of KeyFile and KeyEnv.
	KeyFile string `yaml:"key_file"`
	// KeyEnv names an environment variable holding the key (hex or raw).
	KeyEnv string `yaml:"key_env"`
	// Flow names the data flow this key belongs to (one key per flow).
	Flow string `yaml:"flow"`
	// KeyID is the id of the key this config means to use (8 hex digits,
	// as manifests record it). When set, a key of another id stops the
	// run, and a change from the previous run's key to this one is
	// intended.
	KeyID string `yaml:"key_id"`
}

// Geography overrides the embedded lookups.
type Geography struct {
	// LookupFile is an ONS LSOA (2021) → sub-ICB location → ICB → local
	// authority lookup of a later year than the embedded one (April 2024),
	// e.g. after ICBs merge; region then names its ICBs.
	LookupFile string `yaml:"lookup_file"`
	// PostcodeLookupFile maps postcodes to LSOAs (ONS NSPL/ONSPD columns
	// pcds and lsoa21, or lsoa11 in editions before 2022) for feeds that
	// carry postcodes.
	PostcodeLookupFile string `yaml:"postcode_lookup_file"`
}

// Forecast configures the forecasting stage.
type Forecast struct {
	Enabled         *bool  `yaml:"enabled"`
	Method          string `yaml:"method"` // auto or one model name
	HorizonMonths   int    `yaml:"horizon_months"`
	HorizonWeeks    int    `yaml:"horizon_weeks"`
	BacktestOrigins int    `yaml:"backtest_origins"`
	Workers         int    `yaml:"workers"` // 0 = GOMAXPROCS
	// ExcludePeriods are spans of months treated as missing in fitting and
	// backtests; by default March 2020 – March 2022, the COVID-19 collapse
	// and recovery. An empty list excludes nothing.
	ExcludePeriods []MonthSpan `yaml:"exclude_periods"`
}

// DefaultExcludePeriods is forecast.exclude_periods when the file leaves it
// out: the months from the first national lockdown (March 2020) to the end
// of England's COVID-19 restrictions (Living with COVID, March 2022), when
// NHS activity collapsed and recovered and NHS planners exclude the data.
var DefaultExcludePeriods = []MonthSpan{{From: Month{2020, 3}, To: Month{2022, 3}}}

// A MonthSpan is an inclusive span of months.
type MonthSpan struct {
	From Month `yaml:"from"`
	To   Month `yaml:"to"`
}

// A Month is a calendar month, written "2020-03" in YAML.
type Month struct{ Year, Month int }

// UnmarshalYAML reads YYYY-MM, reporting a bad value with its field path and
// line.
func (m *Month) UnmarshalYAML(node ast.Node) error {
	text := node.String()
	if s, ok := node.(*ast.StringNode); ok {
		text = s.Value
	}
	t, err := time.Parse("2006-01", text)
	if err != nil {
		return fmt.Errorf("%s (line %d): %q is not a month; write e.g. 2020-03",
			strings.TrimPrefix(node.GetPath(), "$."), node.GetToken().Position.Line, text)
	}
	*m = Month{t.Year(), int(t.Month())}
	return nil
}

// MarshalText writes the month as YYYY-MM.
func (m Month) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, m.Month) }

// First is the month's first day, Last its last, in UTC.
func (m Month) First() time.Time {
	return time.Date(m.Year, time.Month(m.Month), 1, 0, 0, 0, 0, time.UTC)
}
func (m Month) Last() time.Time { return m.First().AddDate(0, 1, -1) }

// Describe names the excluded periods for a reader, e.g. "March 2020 to
// March 2022".
func (f Forecast) Describe() []string {
	var out []string
	for _, p := range f.ExcludePeriods {
		from, to := p.From.First().Format("January 2006"), p.To.First().Format("January 2006")
		if from == to {
			out = append(out, from)
		} else {
			out = append(out, from+" to "+to)
		}
	}
	return out
}

// Spans returns the excluded periods as the forecast package takes them.
func (f Forecast) Spans() []forecast.Span {
	var out []forecast.Span
	for _, p := range f.ExcludePeriods {
		out = append(out, forecast.Span{From: p.From.First(), To: p.To.Last()})
	}
	return out
}

func (m Month) before(o Month) bool { return m.Year < o.Year || m.Year == o.Year && m.Month < o.Month }

// Report configures the commissioners' report and disclosure control.
type Report struct {
	Enabled *bool `yaml:"enabled"`
	// SuppressMax: published sub-national counts from 1 to SuppressMax are
	// shown as "*".
	SuppressMax int `yaml:"suppress_max"`
	// RoundTo: other counts are rounded to the nearest RoundTo.
	RoundTo int `yaml:"round_to"`
	// Title heads every page; empty: "<region> population health: demand
	// and forecasts".
	Title string `yaml:"title"`
	// ChangePoints are months from which the SPC charts' limits are
	// recalculated (a known change to the process, such as the pandemic).
	ChangePoints []ChangePoint `yaml:"change_points"`
}

// ChangePoint is a declared change to the process measured.
type ChangePoint struct {
	Month string `yaml:"month"` // YYYY-MM: the first month of the new process
	Label string `yaml:"label"`
}

// Time is the first day of the change point's month.
func (c ChangePoint) Time() time.Time {
	t, _ := time.Parse("2006-01", c.Month) // checked by Validate
	return t
}

// Schedule configures `carecast schedule`.
type Schedule struct {
	Location string `yaml:"location"`
	Jobs     []Job  `yaml:"jobs"`
}

// Job is one scheduled job.
type Job struct {
	Name string `yaml:"name"`
	Cron string `yaml:"cron"`
	// Run is pipeline, report or forecast.
	Run string `yaml:"run"`
	// BusinessDate is today or yesterday (default), or "today-N".
	BusinessDate string   `yaml:"business_date"`
	MaxAge       Duration `yaml:"max_age"`
	Retries      int      `yaml:"retries"`
	RetryBackoff Duration `yaml:"retry_backoff"`
	// CatchUp is latest (default), all or none.
	CatchUp string `yaml:"catch_up"`
}

// Log configures logging.
type Log struct {
	Format string `yaml:"format"` // auto, text or json
	Level  string `yaml:"level"`  // debug, info, warn, error
}

// cronSpec parses schedule specs as the scheduler does: five fields, an
// optional leading seconds field, or a descriptor such as @daily.
var cronSpec = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// DefaultRegion is the region of a config that names none.
const DefaultRegion = "yorkshire-humber"

// Region is the region setting as written: one string (a preset, or ICB
// codes separated by commas) or a YAML list of ICB codes.
type Region struct {
	Items []string
	line  int
}

// UnmarshalYAML reads a string or a list of strings, keeping the line for
// the messages of Validate.
func (r *Region) UnmarshalYAML(node ast.Node) error {
	r.Items, r.line = nil, node.GetToken().Position.Line
	switch n := node.(type) {
	case *ast.SequenceNode:
		for _, v := range n.Values {
			s, ok := v.(*ast.StringNode)
			if !ok {
				return fmt.Errorf("region (line %d): want ICB codes, not %s", v.GetToken().Position.Line, v.String())
			}
			r.Items = append(r.Items, s.Value)
		}
	case *ast.StringNode:
		r.Items = []string{n.Value}
	case *ast.NullNode:
	default:
		return fmt.Errorf("region (line %d): want a preset name or ICB codes, not %s", r.line, node.String())
	}
	return nil
}

// String is the region as written.
func (r Region) String() string { return strings.Join(r.Items, ",") }

// field names the setting in messages, with its line when known.
func (r Region) field() string {
	if r.line > 0 {
		return fmt.Sprintf("region (line %d)", r.line)
	}
	return "region"
}

// Duration is a time.Duration written as "36h" or "7d" in YAML.
type Duration time.Duration

// UnmarshalYAML reads Go duration syntax plus a "d" (24h) suffix. It takes
// the node so that a bad value is reported with its field path and line.
func (d *Duration) UnmarshalYAML(node ast.Node) error {
	text := node.String()
	if s, ok := node.(*ast.StringNode); ok {
		text = s.Value
	}
	v, err := ParseDuration(text)
	if err != nil {
		return fmt.Errorf("%s (line %d): %w; write e.g. 36h or 7d",
			strings.TrimPrefix(node.GetPath(), "$."), node.GetToken().Position.Line, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration in Go syntax.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// ParseDuration reads Go duration syntax, plus whole days as "7d".
func ParseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err != nil || fmt.Sprint(days) != n {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

const defaultKeepRuns = 7

// defaults is the configuration before a file is read: every field that has
// a default holds it, and decoding a file replaces what the file sets. So a
// value written in the file — an explicit 0, false or empty list included —
// is the value used, and validation judges it; only what the file leaves
// out keeps its default.
func defaults() *Config {
	return &Config{
		Region:              Region{Items: []string{DefaultRegion}},
		WorkDir:             "out/work",
		Warehouse:           "out/warehouse",
		KeepRuns:            defaultKeepRuns,
		MaxRejectedFraction: 0.05,
		Demo:                Demo{Scale: 0.01, Years: 4, Seed: 1, Format: "csv", DefectRate: 0.005},
		OptOuts: OptOuts{Type1: Type1{
			// SNOMED CT "Dissent from secondary use of general practitioner
			// patient identifiable data" and its Read v2 equivalent.
			ObjectionCodes: []string{"827241000000103", "9Nu0"},
			// "Withdrawal of dissent from secondary use of GP patient
			// identifiable data" and its Read v2 equivalent.
			WithdrawalCodes: []string{"827261000000102", "9Nu1"},
		}},
		Pseudonymise: Pseudonymise{Flow: "population-health"},
		Forecast: Forecast{Method: "auto", HorizonMonths: 24, HorizonWeeks: 104, BacktestOrigins: 3,
			ExcludePeriods: slices.Clone(DefaultExcludePeriods)},
		Report: Report{SuppressMax: 7, RoundTo: 5,
			ChangePoints: []ChangePoint{
				{Month: "2020-03", Label: "COVID-19: the first national lockdown"},
				{Month: "2021-07", Label: "COVID-19: most restrictions end in England"},
			}},
		Schedule: Schedule{Location: "Europe/London"},
		Log:      Log{Format: "auto", Level: "info"},
		// LockTimeout 0: do not wait for another run.
	}
}

// defaultJob is a scheduled job before its entry in the file is read.
func defaultJob() Job {
	return Job{Run: "pipeline", BusinessDate: "yesterday", CatchUp: "latest",
		MaxAge: Duration(36 * time.Hour), RetryBackoff: Duration(time.Minute)}
}

// UnmarshalYAML decodes a job over its defaults, as the rest of the file is
// decoded over the defaults of Config: a list element has no value before
// decoding to hold them.
func (j *Job) UnmarshalYAML(unmarshal func(any) error) error {
	type plain Job // without this method
	p := plain(defaultJob())
	if err := unmarshal(&p); err != nil {
		return err
	}
	*j = Job(p)
	return nil
}

// Default returns the configuration used when no file is given: the embedded
// synthetic Yorkshire & Humber region, opt-outs on, the published demo key.
func Default() *Config { return defaults() }

// ErrInvalid marks a configuration error (exit code 2).
var ErrInvalid = errors.New("invalid configuration")

// Load reads, defaults and validates a config file. Relative paths in it are
// resolved against the file's folder.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: read %s: %w", ErrInvalid, path, err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.Path = path
	c.resolvePaths(filepath.Dir(path))
	return c, nil
}

// Parse reads and validates config text.
func Parse(b []byte) (*Config, error) {
	c := defaults()
	dec := yaml.NewDecoder(bytes.NewReader(b), yaml.DisallowUnknownField())
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w:\n%s", ErrInvalid, yaml.FormatError(err, false, true))
	}
	sum := sha256.Sum256(b)
	c.Hash = hex.EncodeToString(sum[:])
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// OptOutsEnabled reports whether opt-outs are applied (the default).
func (c *Config) OptOutsEnabled() bool { return c.OptOuts.Enabled == nil || *c.OptOuts.Enabled }

// ForecastEnabled reports whether the forecasting stage runs (the default).
func (c *Config) ForecastEnabled() bool { return c.Forecast.Enabled == nil || *c.Forecast.Enabled }

// ReportEnabled reports whether the report is built (the default).
func (c *Config) ReportEnabled() bool { return c.Report.Enabled == nil || *c.Report.Enabled }

// ReportTitle is report.title, or "<region> population health: demand and
// forecasts" when it is empty.
func (c *Config) ReportTitle() string {
	if c.Report.Title != "" {
		return c.Report.Title
	}
	const title = "population health: demand and forecasts"
	if c.Geography.LookupFile == "" {
		if r, err := refdata.ParseRegion(c.Region.Items, nil); err == nil {
			if name := r.Title(nil); name != "" {
				return name + " " + title
			}
			if l, err := refdata.Embedded(); err == nil {
				if name := r.Title(l.Names()); name != "" {
					return name + " " + title
				}
			}
		}
	}
	return "Population health: demand and forecasts"
}

// IsDemo reports whether the run uses the embedded synthetic region.
func (c *Config) IsDemo() bool { return len(c.Feeds) == 0 }

// FeedMaxRejected returns the rejected-share limit of a feed.
func (c *Config) FeedMaxRejected(f Feed) float64 {
	if f.MaxRejectedFraction != nil {
		return *f.MaxRejectedFraction
	}
	return c.MaxRejectedFraction
}

// Validate checks values and cross-field rules, naming the field at fault.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, a...)))
	}
	if c.Geography.LookupFile == "" {
		// With a lookup file the ICBs are the file's, checked when it is read.
		if _, err := refdata.ParseRegion(c.Region.Items, nil); err != nil {
			bad(c.Region.field(), "%v", err)
		}
	}
	if c.WorkDir == "" {
		bad("work_dir", "must not be empty")
	}
	if c.Warehouse == "" {
		bad("warehouse", "must not be empty")
	}
	if c.KeepRuns < 0 {
		bad("keep_runs", "must be 0 (keep all) or more, not %d", c.KeepRuns)
	}
	if c.MaxRejectedFraction < 0 || c.MaxRejectedFraction > 1 {
		bad("max_rejected_fraction", "must be between 0 and 1, not %v", c.MaxRejectedFraction)
	}
	names := map[string]bool{}
	for i, f := range c.Feeds {
		field := fmt.Sprintf("feeds[%d]", i)
		if f.Name == "" {
			bad(field+".name", "required")
		} else if names[f.Name] {
			bad(field+".name", "duplicate feed name %q", f.Name)
		}
		names[f.Name] = true
		switch f.Format {
		case "csv", "fhir", "synthea":
		case "":
			bad(field+".format", "required (csv, fhir or synthea)")
		default:
			bad(field+".format", "unknown format %q (csv, fhir or synthea)", f.Format)
		}
		if f.Path == "" {
			bad(field+".path", "required")
		}
		if f.Format == "synthea" && f.PersonID == "" {
			bad(field+".person_id", "required for synthea feeds, which carry no NHS numbers (e.g. synthea-id)")
		}
		if m := f.MaxRejectedFraction; m != nil && (*m < 0 || *m > 1) {
			bad(field+".max_rejected_fraction", "must be between 0 and 1, not %v", *m)
		}
		for j, cs := range f.LocalCodeSystems {
			if _, err := transforms.LocalCodeSystem(cs.Name, cs.URI, cs.Pattern); err != nil {
				bad(fmt.Sprintf("%s.local_code_systems[%d]", field, j), "%v", err)
			}
		}
	}
	for i, sys := range c.SharedIdentifierSystems {
		if u, err := url.Parse(sys); err != nil || !(u.Scheme == "https" || u.Scheme == "http") || u.Host == "" {
			if !strings.HasPrefix(sys, "urn:oid:") {
				bad(fmt.Sprintf("shared_identifier_systems[%d]", i), "%q is not a registered identifier system URI (https://… or urn:oid:…)", sys)
			}
		}
	}
	if c.Demo.Scale <= 0 || c.Demo.Scale > 10 {
		bad("demo.scale", "must be above 0 and at most 10, not %v", c.Demo.Scale)
	}
	if c.Demo.Years < 1 || c.Demo.Years > 20 {
		bad("demo.years", "must be from 1 to 20, not %d", c.Demo.Years)
	}
	if c.Demo.End != "" {
		if _, err := time.Parse(time.DateOnly, c.Demo.End); err != nil {
			bad("demo.end", "must be a YYYY-MM-DD date, not %q", c.Demo.End)
		}
	}
	switch c.Demo.Format {
	case "csv", "fhir", "synthea":
	default:
		bad("demo.format", "unknown format %q (csv, fhir or synthea)", c.Demo.Format)
	}
	if c.Demo.DefectRate < 0 || c.Demo.DefectRate > 0.5 {
		bad("demo.defect_rate", "must be between 0 and 0.5, not %v", c.Demo.DefectRate)
	}
	if !c.OptOutsEnabled() && strings.TrimSpace(c.OptOuts.LegalBasis) == "" {
		bad("opt_outs.legal_basis", "required when opt_outs.enabled is false: every output of the run carries it")
	}
	for name, l := range map[string]*ListFile{
		"opt_outs.national_deny_list":     c.OptOuts.NationalDenyList,
		"opt_outs.check_service_response": c.OptOuts.CheckServiceResponse,
	} {
		if l == nil {
			continue
		}
		if l.Path == "" {
			bad(name+".path", "required")
		}
		if l.MaxAge < 0 || l.maxAgeSet && l.MaxAge == 0 {
			bad(name+".max_age", "must be more than 0, not %v (leave max_age out to check no age)", time.Duration(l.MaxAge))
		}
		if l.MinEntries < 0 || l.minEntriesSet && l.MinEntries == 0 {
			bad(name+".min_entries", "must be 1 or more, not %d: an empty list is never accepted", l.MinEntries)
		}
		if l.AsOf != "" {
			if _, err := time.Parse(time.DateOnly, l.AsOf); err != nil {
				bad(name+".as_of", "must be a YYYY-MM-DD date, not %q", l.AsOf)
			}
		}
		if l.DatedName != "" {
			if _, err := datedNamePattern(l.DatedName); err != nil {
				bad(name+".dated_name", "%v", err)
			}
		}
		if l.AsOf != "" && l.DatedName != "" {
			bad(name, "set as_of or dated_name, not both: the list has one date")
		}
	}
	if !c.IsDemo() && c.OptOutsEnabled() && c.OptOuts.NationalDenyList == nil && c.OptOuts.CheckServiceResponse == nil {
		bad("opt_outs.national_deny_list", "required with real feeds and opt-outs enabled: national data opt-outs must be applied from "+
			"a deny list or a check_service_response (to apply no opt-outs, set opt_outs.enabled false with a legal_basis)")
	}
	if len(c.OptOuts.Type1.ObjectionCodes) == 0 {
		bad("opt_outs.type1.objection_codes", "must list at least one code: with none, no GP Type 1 objection would be honoured (to apply no opt-outs, set opt_outs.enabled false with a legal_basis)")
	}
	if c.OptOuts.IncludeWithoutNHSNumber && strings.TrimSpace(c.OptOuts.IncludeReason) == "" {
		bad("opt_outs.include_reason", "required when include_without_nhs_number is true")
	}
	if c.Pseudonymise.KeyFile != "" && c.Pseudonymise.KeyEnv != "" {
		bad("pseudonymise", "set key_file or key_env, not both")
	}
	if id := c.Pseudonymise.KeyID; id != "" && (len(id) != 8 || strings.Trim(id, "0123456789abcdef") != "") {
		bad("pseudonymise.key_id", "must be a key id, 8 lower-case hex digits as manifests record it, not %q", id)
	}
	if !c.IsDemo() && c.Pseudonymise.KeyFile == "" && c.Pseudonymise.KeyEnv == "" {
		bad("pseudonymise.key_file", "a key_file or key_env is required for real feeds (the demo key is for the embedded region only)")
	}
	if !slices.Contains(forecast.Methods, c.Forecast.Method) {
		bad("forecast.method", "unknown method %q (one of %s)", c.Forecast.Method, strings.Join(forecast.Methods, ", "))
	}
	if c.Forecast.HorizonMonths < 1 || c.Forecast.HorizonMonths > 120 {
		bad("forecast.horizon_months", "must be from 1 to 120, not %d", c.Forecast.HorizonMonths)
	}
	if c.Forecast.HorizonWeeks < 1 || c.Forecast.HorizonWeeks > 520 {
		bad("forecast.horizon_weeks", "must be from 1 to 520, not %d", c.Forecast.HorizonWeeks)
	}
	if c.Forecast.BacktestOrigins < 0 || c.Forecast.BacktestOrigins > 24 {
		bad("forecast.backtest_origins", "must be from 0 to 24, not %d", c.Forecast.BacktestOrigins)
	}
	if c.Forecast.Workers < 0 {
		bad("forecast.workers", "must not be negative")
	}
	for i, p := range c.Forecast.ExcludePeriods {
		if p.From == (Month{}) || p.To == (Month{}) {
			bad(fmt.Sprintf("forecast.exclude_periods[%d]", i), "needs from and to months")
		} else if p.To.before(p.From) {
			bad(fmt.Sprintf("forecast.exclude_periods[%d]", i), "to %s is before from %s", p.To, p.From)
		}
	}
	if c.Report.SuppressMax < 0 {
		bad("report.suppress_max", "must not be negative")
	}
	if c.Report.RoundTo < 1 {
		bad("report.round_to", "must be 1 or more")
	}
	var prev time.Time
	for i, cp := range c.Report.ChangePoints {
		field := fmt.Sprintf("report.change_points[%d]", i)
		t, err := time.Parse("2006-01", cp.Month)
		switch {
		case err != nil:
			bad(field+".month", "must be a month, YYYY-MM, not %q", cp.Month)
		case i > 0 && !t.After(prev):
			bad(field+".month", "must come after the change point before it")
		}
		prev = t
		if strings.TrimSpace(cp.Label) == "" {
			bad(field+".label", "required: the charts name the change")
		}
	}
	if c.Schedule.Location == "" {
		bad("schedule.location", "must not be empty (e.g. Europe/London)")
	} else if _, err := time.LoadLocation(c.Schedule.Location); err != nil {
		bad("schedule.location", "unknown time zone %q", c.Schedule.Location)
	}
	jobs := map[string]bool{}
	for i, j := range c.Schedule.Jobs {
		field := fmt.Sprintf("schedule.jobs[%d]", i)
		if j.Name == "" {
			bad(field+".name", "required")
		} else if jobs[j.Name] {
			bad(field+".name", "duplicate job name %q", j.Name)
		}
		jobs[j.Name] = true
		if j.Cron == "" {
			bad(field+".cron", "required")
		} else if _, err := cronSpec.Parse(j.Cron); err != nil {
			bad(field+".cron", "%v", err)
		}
		switch j.Run {
		case "pipeline", "report", "forecast", "scenario":
		default:
			bad(field+".run", "unknown job %q (pipeline, report, forecast or scenario)", j.Run)
		}
		if j.Run == "scenario" && len(c.Scenarios) == 0 {
			bad(field+".run", "a scenario job runs the files of scenarios, and none are listed")
		}
		switch j.CatchUp {
		case "latest", "all", "none":
		default:
			bad(field+".catch_up", "must be latest, all or none, not %q", j.CatchUp)
		}
		if j.Retries < 0 || j.Retries > 10 {
			bad(field+".retries", "must be from 0 to 10, not %d", j.Retries)
		}
		if j.MaxAge <= 0 {
			bad(field+".max_age", "must be more than 0, not %v: status would fail every run", time.Duration(j.MaxAge))
		}
		if j.RetryBackoff < 0 {
			bad(field+".retry_backoff", "must not be negative")
		}
	}
	seen := map[string]bool{}
	for i, f := range c.Scenarios {
		field := fmt.Sprintf("scenarios[%d]", i)
		switch {
		case strings.TrimSpace(f) == "":
			bad(field, "empty: a scenario file's path")
		case seen[f]:
			bad(field, "%s is listed twice", f)
		}
		seen[f] = true
	}
	switch c.Log.Format {
	case "auto", "text", "json":
	default:
		bad("log.format", "must be auto, text or json, not %q", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "must be debug, info, warn or error, not %q", c.Log.Level)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w:\n%w", ErrInvalid, errors.Join(errs...))
	}
	return nil
}

func (c *Config) resolvePaths(dir string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	abs(&c.WorkDir)
	abs(&c.Warehouse)
	for i := range c.Feeds {
		abs(&c.Feeds[i].Path)
	}
	if l := c.OptOuts.NationalDenyList; l != nil {
		abs(&l.Path)
	}
	if l := c.OptOuts.CheckServiceResponse; l != nil {
		abs(&l.Path)
	}
	abs(&c.Pseudonymise.KeyFile)
	abs(&c.Geography.LookupFile)
	abs(&c.Geography.PostcodeLookupFile)
	for i := range c.Scenarios {
		abs(&c.Scenarios[i])
	}
}
