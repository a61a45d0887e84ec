// Package synth generates carecast's synthetic region — Yorkshire & Humber
// by default, or any preset or ICBs of England: people drawn from the real
// ONS population of the region's local authorities and LSOAs, with
// realistic identifiers, GP registrations, national data opt-outs, GP Type
// 1 objections and activity across every service, at the acute trusts that
// serve each LSOA (OHID's catchments), calibrated to real A&E figures and
// seeded with deliberate defects. It is
// deterministic (the same options give the same bytes) and streams: memory
// does not grow with scale.
package synth

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/internal/buildinfo"
	"github.com/yhcr/carecast/internal/refdata"
	"github.com/yhcr/carecast/transforms"
	"github.com/yhcr/carecast/transforms/csvfeed"
	"github.com/yhcr/carecast/transforms/fhir"
	"github.com/yhcr/carecast/transforms/synthea"
)

// Options say what region to generate.
type Options struct {
	// Scale is the share of the real population: 1 is the whole region,
	// about 5.5 million people.
	Scale float64
	// Years of activity, ending on End.
	Years int
	// End is the last date of activity.
	End canonical.Date
	// Seed makes the region: the same options give the same bytes.
	Seed int64
	// DefectRate is the share of records written with a deliberate defect
	// (0 writes a clean region).
	DefectRate float64
	// Format of the feed: "csv", "fhir" or "synthea" (empty means csv).
	Format string
	// Region is the region to generate: a preset or ICB codes
	// (refdata.ParseRegion); empty means DefaultRegion.
	Region []string
}

// DefaultOptions returns the defaults of `carecast generate`, ending on end.
func DefaultOptions(end canonical.Date) Options {
	return Options{Scale: 0.01, Years: 4, End: end, Seed: 1, DefectRate: 0.005, Format: "csv"}
}

// Formats are the feed formats Generate writes.
var Formats = []string{"csv", "fhir", "synthea"}

// ErrOptions reports options Generate cannot use.
var ErrOptions = errors.New("invalid generate options")

// Record kinds, as they are counted in Summary.Defects and Summary.Records.
const (
	RecordPersons    = "persons"
	RecordActivity   = "activity"
	RecordObjections = "gp_objections"
)

// Summary counts what Generate wrote; generation.json holds the same.
type Summary struct {
	Options Options `json:"-"`
	Version string  `json:"software_version"`

	// People is the number of distinct people written without a defect;
	// PeopleByPlace splits it by local authority (LAD code).
	People        int64            `json:"people"`
	PeopleByPlace map[string]int64 `json:"people_by_place"`
	Births        int64            `json:"births"` // people born during the period (included in People)
	Deaths        int64            `json:"deaths"` // people who die during the period
	Practices     int              `json:"gp_practices"`
	// Events counts events written without a defect, by service name and year.
	Events map[string]map[int]int64 `json:"events"`
	// NationalOptOuts is the number of NHS numbers in the national deny list.
	NationalOptOuts int64 `json:"national_opt_outs"`
	// Objections counts GP objection records written without a defect;
	// Type1Objectors the people whose latest such record objects.
	Objections     int64 `json:"gp_objection_records"`
	Type1Objectors int64 `json:"type1_objectors"`
	// Records counts rows written by record kind, defective ones included.
	Records map[string]int64 `json:"records"`
	// Defects counts deliberately defective records by record kind and defect.
	Defects map[string]map[string]int64 `json:"defects"`
}

// TotalEvents returns the number of events written without a defect.
func (s *Summary) TotalEvents() int64 {
	var n int64
	for _, years := range s.Events {
		for _, c := range years {
			n += c
		}
	}
	return n
}

// Files written next to the feed.
const (
	DenyListFile   = "optouts/national_deny_list.txt"
	GenerationFile = "generation.json"
)

// Generate writes a synthetic region into dir: the feed in opts.Format, the
// national data opt-out deny list (DenyListFile) and a description of what
// was generated (GenerationFile).
func Generate(ctx context.Context, dir string, opts Options, log *slog.Logger) (Summary, error) {
	if opts.Format == "" {
		opts.Format = "csv"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := opts.check(); err != nil {
		return Summary{}, err
	}
	w, err := loadWorld(opts.Region)
	if err != nil {
		return Summary{}, fmt.Errorf("reference data: %w", err)
	}
	start := opts.End.AddDays(1 - int(math.Round(float64(opts.Years)*365.25)))
	m, err := newModel(w, start, opts.End)
	if err != nil {
		return Summary{}, fmt.Errorf("reference data: %w", err)
	}
	out, err := newFeedWriter(opts.Format, dir)
	if err != nil {
		return Summary{}, err
	}
	g, err := newGenerator(opts, w, m, out, dir)
	if err != nil {
		out.Close()
		return Summary{}, err
	}
	began := time.Now()
	err = g.run(ctx, log)
	if cerr := g.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Summary{}, err
	}
	sum := g.summary()
	if err := writeGeneration(filepath.Join(dir, GenerationFile), sum, start); err != nil {
		return Summary{}, err
	}
	log.Info("generated synthetic region", "dir", dir, "people", sum.People, "events", sum.TotalEvents(),
		"seconds", time.Since(began).Seconds())
	return sum, nil
}

func (o Options) check() error {
	switch {
	case !(o.Scale > 0) || o.Scale > 10:
		return fmt.Errorf("%w: scale must be above 0 and at most 10, not %v", ErrOptions, o.Scale)
	case o.Years < 1 || o.Years > 20:
		return fmt.Errorf("%w: years must be from 1 to 20, not %d", ErrOptions, o.Years)
	case !o.End.Valid() || o.End < canonical.MakeDate(1990, 1, 1) || o.End > canonical.MakeDate(2100, 1, 1):
		return fmt.Errorf("%w: end must be a date from 1990 to 2100", ErrOptions)
	case !(o.DefectRate >= 0) || o.DefectRate > 0.5:
		return fmt.Errorf("%w: defect rate must be from 0 to 0.5, not %v", ErrOptions, o.DefectRate)
	case !slices.Contains(Formats, o.Format):
		return fmt.Errorf("%w: unknown format %q (csv, fhir or synthea)", ErrOptions, o.Format)
	}
	if len(o.Region) > 0 {
		if _, err := refdata.ParseRegion(o.Region, nil); err != nil {
			return fmt.Errorf("%w: %w", ErrOptions, err)
		}
	}
	return nil
}

// newFeedWriter opens the writer of a feed format.
func newFeedWriter(format, dir string) (transforms.Writer, error) {
	switch format {
	case "csv":
		return csvfeed.NewWriter(dir)
	case "fhir":
		return fhir.NewWriter(dir)
	case "synthea":
		return synthea.NewWriter(dir)
	}
	return nil, fmt.Errorf("%w: unknown format %q", ErrOptions, format)
}

// generation is the JSON form of generation.json.
type generation struct {
	Options struct {
		Scale      float64 `json:"scale"`
		Years      int     `json:"years"`
		Start      string  `json:"start"`
		End        string  `json:"end"`
		Seed       int64   `json:"seed"`
		DefectRate float64 `json:"defect_rate"`
		Format     string  `json:"format"`
		Region     string  `json:"region"`
	} `json:"options"`
	*Summary
}

func writeGeneration(path string, s Summary, start canonical.Date) error {
	var g generation
	g.Options.Scale, g.Options.Years, g.Options.Seed = s.Options.Scale, s.Options.Years, s.Options.Seed
	g.Options.Start, g.Options.End = start.String(), s.Options.End.String()
	g.Options.DefectRate, g.Options.Format = s.Options.DefectRate, s.Options.Format
	g.Options.Region = strings.Join(s.Options.Region, ",")
	if g.Options.Region == "" {
		g.Options.Region = DefaultRegion
	}
	g.Summary = &s
	b, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// generator is the state of one Generate call.
type generator struct {
	opts  Options
	w     *world
	m     *model
	out   transforms.Writer
	deny  *bufio.Writer
	denyF *os.File
	nhs   nhsNumbers

	startYear int
	eventSeq  int64
	events    []canonical.Event // one person's, reused
	idBuf     []byte

	people, births, deaths int64
	peopleByPlace          map[string]int64
	practices              int
	optOuts                int64
	objections, objectors  int64
	eventCounts            [numServices][]int64 // by year since startYear
	records                map[string]int64
	defects                map[string]map[string]int64
}

func newGenerator(opts Options, w *world, m *model, out transforms.Writer, dir string) (*generator, error) {
	g := &generator{
		opts: opts, w: w, m: m, out: out,
		startYear:     m.start.Year(),
		peopleByPlace: map[string]int64{},
		records:       map[string]int64{},
		defects:       map[string]map[string]int64{},
	}
	for s := range g.eventCounts {
		g.eventCounts[s] = make([]int64, m.end.Year()-g.startYear+1)
	}
	// Room for everyone, with a margin for births: the 999 range holds about
	// 909,000 valid numbers, so larger regions reach down into 998, 997, ….
	var total float64
	for _, pl := range w.places {
		for _, r := range pl.population {
			total += r.Male + r.Female
		}
	}
	expected := total * opts.Scale * (1 + 0.02*float64(opts.Years))
	g.nhs = newNHSNumbers(uint64(expected*1.1)+1000, uint64(opts.Seed))
	path := filepath.Join(dir, DenyListFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("opt-out list: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("opt-out list: %w", err)
	}
	g.denyF, g.deny = f, bufio.NewWriter(f)
	return g, nil
}

func (g *generator) close() error {
	errs := []error{g.out.Close()}
	if err := g.deny.Flush(); err != nil {
		errs = append(errs, fmt.Errorf("write %s: %w", g.denyF.Name(), err))
	}
	if err := g.denyF.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close %s: %w", g.denyF.Name(), err))
	}
	return errors.Join(errs...)
}

func (g *generator) summary() Summary {
	s := Summary{
		Options: g.opts, Version: buildinfo.Version(),
		People: g.people, PeopleByPlace: g.peopleByPlace, Births: g.births, Deaths: g.deaths,
		Practices: g.practices, Events: map[string]map[int]int64{},
		NationalOptOuts: g.optOuts, Objections: g.objections, Type1Objectors: g.objectors,
		Records: g.records, Defects: g.defects,
	}
	for _, svc := range canonical.Services() {
		years := map[int]int64{}
		for i, n := range g.eventCounts[svc] {
			years[g.startYear+i] = n
		}
		s.Events[svc.String()] = years
	}
	return s
}

// run generates every place in turn, each from its own random stream, so
// that a place's people do not depend on how many random numbers the places
// before it used.
func (g *generator) run(ctx context.Context, log *slog.Logger) error {
	for i, pl := range g.w.places {
		if err := ctx.Err(); err != nil {
			return err
		}
		r := rand.New(rand.NewPCG(uint64(g.opts.Seed), uint64(i)+1))
		if err := g.place(ctx, r, pl); err != nil {
			return fmt.Errorf("%s: %w", pl.name, err)
		}
		log.Debug("generated place", "place", pl.name, "people", g.peopleByPlace[pl.lad])
	}
	return nil
}

// stochasticRound rounds x up with probability equal to its fraction, so
// that sums over many cells keep their expected value.
func stochasticRound(r *rand.Rand, x float64) int {
	n := math.Floor(x)
	if r.Float64() < x-n {
		n++
	}
	return int(n)
}

// nhsNumbers hands out unique NHS numbers, valid under modulus 11, from the
// range never issued to patients (999 000 0000 up), in a scrambled order:
// the n-th number is a fixed permutation of n, so no set is kept in memory.
type nhsNumbers struct {
	low, size, mul, add, next uint64
	buf                       []byte
}

// ErrTooManyPeople reports a region larger than the test number range.
var ErrTooManyPeople = errors.New("too many people for the test NHS number range")

func newNHSNumbers(people, seed uint64) nhsNumbers {
	const block = 1_000_000
	blocks := max(1, (people*11/10+block-1)/block)
	size := blocks * block
	mul := uint64(738_817)
	for gcd(mul, size) != 1 {
		mul += 2
	}
	return nhsNumbers{low: (1000 - blocks) * block, size: size, mul: mul, add: seed % size, buf: make([]byte, 0, 10)}
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Next returns the next number.
func (n *nhsNumbers) Next() (string, error) {
	for n.next < n.size {
		nine := n.low + (n.mul*n.next+n.add)%n.size
		n.next++
		n.buf = strconv.AppendUint(n.buf[:0], nine, 10)
		if d, ok := canonical.NHSNumberCheckDigit(string(n.buf)); ok {
			return string(append(n.buf, d)), nil
		}
	}
	return "", ErrTooManyPeople
}
