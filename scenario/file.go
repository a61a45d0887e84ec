package scenario

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// File is a scenario file (docs/scenarios.md): the baseline year, the
// horizon, and for each service the uncertain factors and the capacity
// parameters.
type File struct {
	// Name identifies the scenario in tables and the report; by default
	// the file's base name.
	Name        string `yaml:"name"`
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	// BaselineYear is the calendar year of activity the scenario starts
	// from; 0 means the last whole calendar year of the run.
	BaselineYear int `yaml:"baseline_year"`
	// HorizonYears is how many years after the baseline are projected.
	HorizonYears int `yaml:"horizon_years"`
	// PhaseInYears is how many years the mitigators (activity avoided,
	// length of stay, moves) take to reach their full effect, linearly;
	// by default the horizon. 0 means in full from the first year.
	PhaseInYears *int   `yaml:"phase_in_years"`
	Draws        *int   `yaml:"draws"`
	Seed         *int64 `yaml:"seed"`

	Demographic Demographic             `yaml:"demographic"`
	Services    map[string]*ServiceSpec `yaml:"services"`

	// Path is the file read ("" when parsed from bytes); projection files
	// are found relative to it.
	Path string `yaml:"-"`
	// SHA256 is the hash of the file's bytes, recorded with the results.
	SHA256 string `yaml:"-"`

	doc    *ast.File // for the lines of problems found later
	source string    // the file name used in errors
}

// Demographic chooses the population projections: each draw takes one
// variant at random with its probability.
type Demographic struct {
	Variants []Variant `yaml:"variants"`
	// HighLowSpread is how much faster (high) or slower (low) than the
	// principal projection every place, age band and sex grows each year
	// in the built-in high and low variants.
	HighLowSpread *float64 `yaml:"high_low_spread"`
}

// Variant is a population projection with its probability: a built-in one
// (principal, high, low, none) or a projection file in the ONS subnational
// projection layout.
type Variant struct {
	Name        string  `yaml:"name"`
	Probability float64 `yaml:"probability"`
	File        string  `yaml:"file"`
}

// Built-in demographic variants.
const (
	Principal = "principal" // the run's population model
	High      = "high"      // principal growth plus the spread each year
	Low       = "low"       // principal growth minus the spread each year
	NoChange  = "none"      // the baseline year's population throughout
)

// DefaultHighLowSpread is the yearly growth added to (high) or taken from
// (low) the principal projection when a file does not say: a quarter of a
// percentage point a year, a stated planning assumption — not an ONS
// variant. Files of ONS's own variant projections can be given instead.
const DefaultHighLowSpread = 0.0025

// ServiceSpec holds one service's factors and capacity parameters. Groups
// override the factors for some places or age bands.
type ServiceSpec struct {
	Factors  `yaml:",inline"`
	Capacity *Capacity `yaml:"capacity"`
	Groups   []Group   `yaml:"groups"`
}

// Factors are the uncertain changes applied to activity, in the order of
// the model (docs/scenarios.md): non-demographic growth, activity avoided,
// moves to other settings, length of stay.
type Factors struct {
	// NonDemographicGrowth is the yearly growth beyond demography (new
	// treatments, rising acuity), compounded: 0.02 is 2 % a year.
	NonDemographicGrowth *Param `yaml:"non_demographic_growth"`
	// ActivityAvoided is the share of activity avoided once fully phased
	// in (prevention, admission avoidance).
	ActivityAvoided *Param `yaml:"activity_avoided"`
	// LengthOfStayChange is the relative change of the mean length of stay
	// once fully phased in: -0.1 shortens stays by a tenth. Admissions only.
	LengthOfStayChange *Param `yaml:"length_of_stay_change"`
	// Moves send a share of the activity left to another setting.
	Moves []Move `yaml:"moves"`
}

// Move sends a share of a service's activity to another setting: a service
// or a setting carecast does not record (virtual outpatients, urgent
// treatment centres, same-day emergency care).
type Move struct {
	To    string `yaml:"to"`
	Share *Param `yaml:"share"`
}

// Capacity turns activity into what is planned: beds, clinic sessions,
// clinician time.
type Capacity struct {
	// BedOccupancy is the target occupancy: beds = bed-days / (365 ×
	// occupancy). Admissions only.
	BedOccupancy *Param `yaml:"bed_occupancy"`
	// MinutesPerAppointment gives clinician hours (and, with SessionHours,
	// sessions).
	MinutesPerAppointment *Param `yaml:"minutes_per_appointment"`
	// SessionHours is the length of a clinic session: sessions =
	// appointments × minutes per appointment / 60 / session hours.
	SessionHours *Param `yaml:"session_hours"`
	// AppointmentsPerClinicianYear gives whole-time-equivalent clinicians.
	AppointmentsPerClinicianYear *Param `yaml:"appointments_per_clinician_year"`
}

// Group overrides a service's factors for some places (local authority
// codes, or ICBs by their ONS E54 or NHS Q code) and age bands. The first group that matches a place, age
// band and sex applies; factors a group does not give are the service's.
type Group struct {
	Places  []string  `yaml:"places"`
	Ages    *AgeRange `yaml:"ages"`
	Factors `yaml:",inline"`
}

// AgeRange selects the age bands lying within [From, To] (To 0: no upper
// limit). Bands that straddle a limit are an error.
type AgeRange struct {
	From int `yaml:"from"`
	To   int `yaml:"to"`
}

// Limits of a scenario file.
const (
	MaxHorizonYears = 20
	DefaultDraws    = 1000
	MaxDraws        = 100_000
	DefaultSeed     = 1
)

// Services whose events carry a length of stay (docs/data.md): the ones
// with bed-days, length-of-stay changes and beds.
var bedServices = []string{"emergency_admission", "elective_admission"}

// knownServices is the activity vocabulary (docs/data.md).
var knownServices = []string{
	"ae_attendance", "emergency_admission", "elective_admission", "outpatient_attendance",
	"gp_appointment", "community_contact", "social_care_assessment", "diagnostic_test",
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
var settingRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// ErrInvalid marks a scenario file that cannot be used; the error lists
// every problem found, each as a *FieldError.
var ErrInvalid = errors.New("invalid scenario file")

// FieldError is one problem of a scenario file, at a field and line.
type FieldError struct {
	File  string // the file, or "scenario" when parsed from bytes
	Line  int    // 0 when not known
	Field string // the YAML path, e.g. services.emergency_admission.activity_avoided.p90
	Msg   string
}

func (e *FieldError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += fmt.Sprintf(":%d", e.Line)
	}
	if e.Field == "" {
		return loc + ": " + e.Msg
	}
	return loc + ": " + e.Field + ": " + e.Msg
}

// fieldProblem is a problem found by validation, at a YAML path; its line
// is looked up in the document.
type fieldProblem struct{ path, msg string }

// nodeError is a problem found while decoding a node.
func nodeError(n ast.Node, format string, a ...any) error {
	return &FieldError{Line: n.GetToken().Position.Line, Field: strings.TrimPrefix(n.GetPath(), "$."),
		Msg: fmt.Sprintf(format, a...)}
}

// Load reads and validates a scenario file. Projection files it names are
// read relative to its folder when the scenario is compiled.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	f, err := parse(b, path)
	if err != nil {
		return nil, err
	}
	f.Path = path
	return f, nil
}

// Parse reads and validates scenario text; name is used in errors and as
// the default scenario name.
func Parse(b []byte, name string) (*File, error) { return parse(b, name) }

func parse(b []byte, file string) (*File, error) {
	f := &File{source: file}
	doc, err := parser.ParseBytes(b, 0)
	if err != nil {
		return nil, fmt.Errorf("%w:\n%w", ErrInvalid, decodeError(err, nil, file))
	}
	f.doc = doc
	dec := yaml.NewDecoder(bytes.NewReader(b), yaml.DisallowUnknownField())
	if err := dec.Decode(f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w:\n%w", ErrInvalid, decodeError(err, doc, file))
	}
	sum := sha256.Sum256(b)
	f.SHA256 = hex.EncodeToString(sum[:])
	if f.Name == "" {
		f.Name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	if f.Title == "" {
		f.Title = f.Name
	}
	if problems := f.validate(); len(problems) > 0 {
		return nil, f.problems(file, problems)
	}
	return f, nil
}

// problems turns validation problems into one error naming each field and
// its line.
func (f *File) problems(file string, ps []fieldProblem) error {
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = &FieldError{File: file, Line: f.lineOf(p.path), Field: strings.TrimPrefix(strings.TrimPrefix(p.path, "$"), "."), Msg: p.msg}
	}
	return fmt.Errorf("%w:\n%w", ErrInvalid, errors.Join(errs...))
}

// lineOf finds the line of the node at a YAML path, or of its nearest
// ancestor present in the document (a missing field is reported at its
// parent).
func (f *File) lineOf(path string) int {
	if f.doc == nil {
		return 0
	}
	for p := path; p != "" && p != "$"; p = parentPath(p) {
		yp, err := yaml.PathString(p)
		if err != nil {
			continue
		}
		if n, err := yp.FilterFile(f.doc); err == nil && n != nil {
			return n.GetToken().Position.Line
		}
	}
	return 1
}

func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i > 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i > 0 {
		return p[:i]
	}
	return ""
}

// decodeError turns an error of the YAML library into a FieldError with the
// field's path and line.
func decodeError(err error, doc *ast.File, file string) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		fe.File = file
		return fe
	}
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil {
		return &FieldError{File: file, Msg: err.Error()}
	}
	pos := ye.GetToken().Position
	msg := ye.GetMessage()
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msg = fmt.Sprintf("want %s, not %q", kindName(te.DstType.String()), ye.GetToken().Value)
	}
	return &FieldError{File: file, Line: pos.Line, Field: pathAt(doc, pos.Line, pos.Column), Msg: msg}
}

// kindName says a Go type as a YAML writer thinks of it.
func kindName(t string) string {
	t = strings.TrimPrefix(t, "*")
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "a whole number"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "string":
		return "text"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map"), strings.Contains(t, "."):
		return "a mapping"
	}
	return t
}

// pathAt returns the YAML path of the node at a position, "" if none.
func pathAt(doc *ast.File, line, col int) string {
	if doc == nil {
		return ""
	}
	var found string
	for _, d := range doc.Docs {
		ast.Walk(visitor(func(n ast.Node) {
			if tk := n.GetToken(); tk != nil && tk.Position.Line == line && tk.Position.Column == col {
				found = strings.TrimPrefix(strings.TrimPrefix(n.GetPath(), "$"), ".")
			}
		}), d)
	}
	return found
}

type visitor func(ast.Node)

func (v visitor) Visit(n ast.Node) ast.Visitor {
	if n != nil {
		v(n)
	}
	return v
}

// validate checks values and cross-field rules, returning every problem.
func (f *File) validate() []fieldProblem {
	var ps []fieldProblem
	bad := func(path, format string, a ...any) {
		ps = append(ps, fieldProblem{path: path, msg: fmt.Sprintf(format, a...)})
	}
	if !nameRE.MatchString(f.Name) {
		bad("$.name", "want lower-case letters, digits, - and _ (at most 64), not %q", f.Name)
	}
	if f.BaselineYear != 0 && (f.BaselineYear < 1990 || f.BaselineYear > 2100) {
		bad("$.baseline_year", "want a calendar year such as 2025, or leave it out for the run's last whole year; not %d", f.BaselineYear)
	}
	if f.HorizonYears < 1 || f.HorizonYears > MaxHorizonYears {
		bad("$.horizon_years", "want 1 to %d years, not %d", MaxHorizonYears, f.HorizonYears)
	}
	if f.PhaseInYears != nil && (*f.PhaseInYears < 0 || *f.PhaseInYears > MaxHorizonYears) {
		bad("$.phase_in_years", "want 0 to %d years, not %d", MaxHorizonYears, *f.PhaseInYears)
	}
	if f.Draws != nil && (*f.Draws < 1 || *f.Draws > MaxDraws) {
		bad("$.draws", "want 1 to %d draws, not %d", MaxDraws, *f.Draws)
	}
	if f.Seed != nil && *f.Seed < 0 {
		bad("$.seed", "want 0 or more, not %d", *f.Seed)
	}
	ps = append(ps, f.Demographic.validate()...)

	targets := map[string]bool{}
	for _, svc := range slices.Sorted(maps.Keys(f.Services)) {
		s := f.Services[svc]
		path := "$.services." + svc
		if s == nil {
			bad(path, "empty: give factors or capacity, or leave the service out")
			continue
		}
		for _, m := range s.allMoves() {
			if m.To != "" {
				targets[m.To] = true
			}
		}
	}
	for _, svc := range slices.Sorted(maps.Keys(f.Services)) {
		s := f.Services[svc]
		if s == nil {
			continue
		}
		path := "$.services." + svc
		known := slices.Contains(knownServices, svc)
		if !known && !targets[svc] {
			bad(path, "unknown service %q (%s; or a setting named in a moves entry's to)", svc, strings.Join(knownServices, ", "))
			continue
		}
		if !known {
			// A setting that only receives moved activity: it has no
			// baseline of its own to grow, avoid or move.
			if !s.Factors.empty() || len(s.Groups) > 0 {
				bad(path, "%s is a setting activity moves to: give it capacity only", svc)
			}
		}
		ps = append(ps, s.Factors.validate(path, svc)...)
		if s.Capacity != nil {
			ps = append(ps, s.Capacity.validate(path+".capacity", svc)...)
		}
		for i, g := range s.Groups {
			gp := fmt.Sprintf("%s.groups[%d]", path, i)
			if len(g.Places) == 0 && g.Ages == nil {
				bad(gp, "a group needs places or ages to apply to")
			}
			if g.Factors.empty() {
				bad(gp, "a group needs a factor to override (non_demographic_growth, activity_avoided, length_of_stay_change or moves)")
			}
			if g.Ages != nil && (g.Ages.From < 0 || g.Ages.To < 0 || g.Ages.To != 0 && g.Ages.To < g.Ages.From) {
				bad(gp+".ages", "want 0 ≤ from ≤ to (to 0 or left out for no upper limit), not from %d to %d", g.Ages.From, g.Ages.To)
			}
			ps = append(ps, g.Factors.validate(gp, svc)...)
		}
	}
	return ps
}

func (s *ServiceSpec) allMoves() []Move {
	out := slices.Clone(s.Moves)
	for _, g := range s.Groups {
		out = append(out, g.Moves...)
	}
	return out
}

func (fs Factors) empty() bool {
	return fs.NonDemographicGrowth == nil && fs.ActivityAvoided == nil && fs.LengthOfStayChange == nil && len(fs.Moves) == 0
}

func (fs Factors) validate(path, svc string) []fieldProblem {
	var ps []fieldProblem
	if p := fs.NonDemographicGrowth; p != nil {
		ps = append(ps, p.check(-0.5, 0.5, false, false)...)
	}
	if p := fs.ActivityAvoided; p != nil {
		ps = append(ps, p.check(0, 1, false, false)...)
	}
	if p := fs.LengthOfStayChange; p != nil {
		if !slices.Contains(bedServices, svc) {
			ps = append(ps, fieldProblem{path + ".length_of_stay_change", fmt.Sprintf("applies to admissions only (%s)", strings.Join(bedServices, ", "))})
		} else {
			ps = append(ps, p.check(-1, 1, false, false)...)
		}
	}
	seen := map[string]bool{}
	for i, m := range fs.Moves {
		mp := fmt.Sprintf("%s.moves[%d]", path, i)
		switch {
		case m.To == "":
			ps = append(ps, fieldProblem{mp + ".to", "required: the service or setting the activity moves to"})
		case !settingRE.MatchString(m.To):
			ps = append(ps, fieldProblem{mp + ".to", fmt.Sprintf("want lower-case letters, digits and _, not %q", m.To)})
		case m.To == svc:
			ps = append(ps, fieldProblem{mp + ".to", "activity cannot move to its own service"})
		case seen[m.To]:
			ps = append(ps, fieldProblem{mp + ".to", fmt.Sprintf("%s is named twice", m.To)})
		}
		seen[m.To] = true
		if m.Share == nil {
			ps = append(ps, fieldProblem{mp + ".share", "required: the share of activity that moves"})
		} else {
			ps = append(ps, m.Share.check(0, 1, false, false)...)
		}
	}
	return ps
}

func (c *Capacity) validate(path, svc string) []fieldProblem {
	var ps []fieldProblem
	if p := c.BedOccupancy; p != nil {
		if !slices.Contains(bedServices, svc) {
			ps = append(ps, fieldProblem{path + ".bed_occupancy", fmt.Sprintf("beds are planned for admissions only (%s)", strings.Join(bedServices, ", "))})
		} else {
			ps = append(ps, p.check(0, 1, true, false)...)
		}
	}
	if p := c.MinutesPerAppointment; p != nil {
		ps = append(ps, p.check(0, 24*60, true, false)...)
	}
	if p := c.SessionHours; p != nil {
		ps = append(ps, p.check(0, 24, true, false)...)
		if c.MinutesPerAppointment == nil {
			ps = append(ps, fieldProblem{path + ".session_hours", "sessions need minutes_per_appointment too"})
		}
	}
	if p := c.AppointmentsPerClinicianYear; p != nil {
		ps = append(ps, p.check(0, math.Inf(1), true, true)...)
	}
	if c.BedOccupancy == nil && c.MinutesPerAppointment == nil && c.SessionHours == nil && c.AppointmentsPerClinicianYear == nil {
		ps = append(ps, fieldProblem{path, "give bed_occupancy, minutes_per_appointment, session_hours or appointments_per_clinician_year"})
	}
	return ps
}

func (d *Demographic) validate() []fieldProblem {
	var ps []fieldProblem
	bad := func(path, format string, a ...any) {
		ps = append(ps, fieldProblem{path: path, msg: fmt.Sprintf(format, a...)})
	}
	if d.HighLowSpread != nil && (*d.HighLowSpread < 0 || *d.HighLowSpread > 0.05) {
		bad("$.demographic.high_low_spread", "want 0 to 0.05 a year, not %v", *d.HighLowSpread)
	}
	if d.Variants == nil {
		d.Variants = []Variant{{Name: Principal, Probability: 1}}
		return ps
	}
	if len(d.Variants) == 0 {
		bad("$.demographic.variants", "give at least one variant, e.g. {name: principal, probability: 1}")
	}
	seen := map[string]bool{}
	var sum float64
	for i, v := range d.Variants {
		vp := fmt.Sprintf("$.demographic.variants[%d]", i)
		builtin := v.Name == Principal || v.Name == High || v.Name == Low || v.Name == NoChange
		switch {
		case !nameRE.MatchString(v.Name):
			bad(vp+".name", "want lower-case letters, digits, - and _, not %q", v.Name)
		case seen[v.Name]:
			bad(vp+".name", "%s is named twice", v.Name)
		case builtin && v.File != "":
			bad(vp+".file", "%s is built in: name a projection file's variant otherwise", v.Name)
		case !builtin && v.File == "":
			bad(vp+".file", "required: %s is not a built-in variant (principal, high, low, none), so it needs a projection file", v.Name)
		}
		seen[v.Name] = true
		if v.Probability < 0 || v.Probability > 1 || math.IsNaN(v.Probability) {
			bad(vp+".probability", "want 0 to 1, not %v", v.Probability)
		}
		sum += v.Probability
	}
	if len(d.Variants) > 0 && math.Abs(sum-1) > 1e-9 {
		bad("$.demographic.variants", "probabilities add up to %v, not 1", sum)
	}
	return ps
}

// spread is the high/low spread in use.
func (d *Demographic) spread() float64 {
	if d.HighLowSpread != nil {
		return *d.HighLowSpread
	}
	return DefaultHighLowSpread
}

// horizon, phaseIn, draws and seed are the file's settings with defaults.
func (f *File) phaseIn() int {
	if f.PhaseInYears != nil {
		return *f.PhaseInYears
	}
	return f.HorizonYears
}

func (f *File) draws() int {
	if f.Draws != nil {
		return *f.Draws
	}
	return DefaultDraws
}

func (f *File) seed() uint64 {
	if f.Seed != nil {
		return uint64(*f.Seed)
	}
	return DefaultSeed
}
