package scenario

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"
)

// Baseline is what every scenario of a run starts from, read from the run's
// tables (ReadBaseline): the baseline year's activity by place, service, age
// band and sex, the places, and the population model.
type Baseline struct {
	Year       int
	Places     []Place
	Cells      []Cell
	Population []PopulationRow
}

// Place is a local authority and the ICB it lies in: its ONS code (E54…)
// and its NHS one (Q…), by which scenario files may also name it.
type Place struct{ Code, Parent, ParentODS string }

// Cell is the baseline year's activity of one place, service, age band and
// sex. Age band and sex are the values of the run's activity, which may be
// unknown.
type Cell struct {
	Place, Service, AgeBand, Sex string
	Events                       int64
	BedDays                      int64 // sum of lengths of stay (admissions)
}

// PopulationRow is one row of the run's population model.
type PopulationRow struct {
	Place, AgeBand, Sex string
	Year                int
	Population          float64
}

// Options configure Compile.
type Options struct {
	// Disclose publishes a place's baseline count of a service: its
	// published value and whether it is suppressed. The model starts from
	// published counts only (docs/scenarios.md); nil publishes true counts.
	Disclose func(n int64) (published int64, suppressed bool)
	// Workers run draws in parallel (default GOMAXPROCS); results do not
	// depend on it.
	Workers int
	// Open opens a projection file named by the scenario; by default the
	// file, relative to the scenario file's folder.
	Open func(name string) (*os.File, error)
}

// Levels of the areas results are given for.
const (
	LevelPlace  = "place"
	LevelParent = "icb"
	LevelRegion = "region"
	// All is the code of every place of an ICB, or every ICB of the
	// region.
	All = "all"
)

// Measures of results.
const (
	Activity       = "activity"
	BedDays        = "bed_days"
	Beds           = "beds"
	ClinicianHours = "clinician_hours"
	Sessions       = "sessions"
	ClinicianWTE   = "clinician_wte"
)

// The factors of the model, in the order they are applied; the attribution
// of a result gives the change each made to its median.
const (
	FactorDemographic    = "demographic"
	FactorNonDemographic = "non_demographic_growth"
	FactorAvoided        = "activity_avoided"
	FactorMovedOut       = "moved_out"
	FactorMovedIn        = "moved_in"
	FactorLengthOfStay   = "length_of_stay"
)

// activityFactors and bedDayFactors name the stages 1..5 of each measure.
var (
	activityFactors = []string{FactorDemographic, FactorNonDemographic, FactorAvoided, FactorMovedOut, FactorMovedIn}
	bedDayFactors   = []string{FactorDemographic, FactorNonDemographic, FactorAvoided, FactorMovedOut, FactorLengthOfStay}
)

const stages = 6 // baseline and the five factors

// Model is a scenario compiled against a baseline: ready to draw and run.
type Model struct {
	file     *File
	name     string
	year     int // baseline year
	horizon  int
	phaseIn  int
	draws    int
	seed     uint64
	workers  int
	places   []Place
	parents  []string
	services []string // output services: recorded ones, then the settings moved to
	bedSvc   []bool
	variants []variant
	// params are the uncertain parameters, one random stream each.
	params     []*Param
	paramNames []string
	units      []unit
	capacity   []capacitySlots // by service
	baseline   []outBaseline   // by output
	exists     []bool          // by output
	hidden     [][]bool        // by place and service: the baseline count was suppressed
	sources    [][]int         // by service: the services moving activity into it
}

// variant is a demographic variant: its probability and its growth
// factors (population in year t over the baseline year's).
type variant struct {
	name string
	prob float64
}

// unit is the activity of a place and service to which one set of
// parameters applies (the service's, or a group's): w[v][t] is its baseline
// activity times variant v's demographic factor in year t, summed over its
// age bands and sexes; wb the same for bed-days.
type unit struct {
	place, service       int
	w, wb                [][]float64
	growth, avoided, los int // parameter slots, -1 for none
	moveTo, moveShare    []int
}

type capacitySlots struct{ occupancy, minutes, session, perYear int }

type outBaseline struct {
	events, bedDays float64
	suppressed      bool
}

// ErrBaseline marks a baseline that the scenario cannot run on.
var ErrBaseline = errors.New("scenario does not fit the run")

// Compile checks a scenario against a baseline and prepares the model: the
// demographic factors of every variant for every place, age band, sex and
// year, the units of activity sharing parameters, and the parameters.
func Compile(f *File, b *Baseline, opts Options) (*Model, error) {
	if f.BaselineYear != 0 && f.BaselineYear != b.Year {
		return nil, fmt.Errorf("%w: scenario %s has baseline year %d, the baseline read is %d", ErrBaseline, f.Name, f.BaselineYear, b.Year)
	}
	m := &Model{file: f, name: f.Name, year: b.Year, horizon: f.HorizonYears, phaseIn: f.phaseIn(),
		draws: f.draws(), seed: f.seed(), workers: opts.Workers}
	if m.workers <= 0 {
		m.workers = runtime.GOMAXPROCS(0)
	}
	m.places = slices.Clone(b.Places)
	slices.SortFunc(m.places, func(a, b Place) int { return strings.Compare(a.Code, b.Code) })
	placeIdx := map[string]int{}
	parents := map[string]bool{}
	for i, p := range m.places {
		placeIdx[p.Code] = i
		parents[p.Parent] = true
	}
	m.parents = slices.Sorted(func(yield func(string) bool) {
		for p := range parents {
			if !yield(p) {
				return
			}
		}
	})
	bands, err := bandsOf(b.Population)
	if err != nil {
		return nil, err
	}
	pop, err := principal(b, m.horizon)
	if err != nil {
		return nil, err
	}
	// Services: the recorded ones in vocabulary order, then the settings
	// activity moves to.
	svcIdx := map[string]int{}
	for _, svc := range knownServices {
		for _, c := range b.Cells {
			if c.Service == svc {
				svcIdx[svc] = len(m.services)
				m.services = append(m.services, svc)
				break
			}
		}
	}
	var settings []string
	for _, svc := range slices.Sorted(mapKeys(f.Services)) {
		for _, mv := range f.Services[svc].allMoves() {
			if _, ok := svcIdx[mv.To]; !ok && !slices.Contains(settings, mv.To) {
				settings = append(settings, mv.To)
			}
		}
	}
	slices.Sort(settings)
	for _, s := range settings {
		svcIdx[s] = len(m.services)
		m.services = append(m.services, s)
	}
	for _, c := range b.Cells {
		if _, ok := svcIdx[c.Service]; !ok {
			return nil, fmt.Errorf("%w: the run's activity has service %q, not in the vocabulary", ErrBaseline, c.Service)
		}
	}
	m.bedSvc = make([]bool, len(m.services))
	for i, s := range m.services {
		m.bedSvc[i] = slices.Contains(bedServices, s)
	}

	// Demographic variants.
	var vfs []*factors
	var ps []fieldProblem
	for i, v := range f.Demographic.Variants {
		var vf *factors
		switch v.Name {
		case Principal:
			vf = pop
		case High:
			vf = pop.scaled(1 + f.Demographic.spread())
		case Low:
			vf = pop.scaled(1 - f.Demographic.spread())
		case NoChange:
			vf = pop.scaled(0)
		default:
			vf, err = m.projectionFactors(v.File, opts, bands, b.Year)
			if err != nil {
				ps = append(ps, fieldProblem{fmt.Sprintf("$.demographic.variants[%d].file", i), err.Error()})
				continue
			}
		}
		vfs = append(vfs, vf)
		m.variants = append(m.variants, variant{name: v.Name, prob: v.Probability})
	}
	if len(ps) > 0 {
		return nil, f.problems(m.fileName(), ps)
	}

	// Published baselines: a place's count of a service is published (or
	// suppressed) as the report would; its cells are scaled to it.
	type ps2 struct{ place, svc string }
	totals := map[ps2]int64{}
	for _, c := range b.Cells {
		if _, ok := placeIdx[c.Place]; ok {
			totals[ps2{c.Place, c.Service}] += c.Events
		}
	}
	scale := map[ps2]float64{}
	pubs := map[ps2]int64{}
	m.hidden = make([][]bool, len(m.places))
	for i := range m.hidden {
		m.hidden[i] = make([]bool, len(m.services))
	}
	for k, n := range totals {
		pub, hide := n, false
		if opts.Disclose != nil {
			pub, hide = opts.Disclose(n)
		}
		if hide {
			pub = 0
			m.hidden[placeIdx[k.place]][svcIdx[k.svc]] = true
		}
		pubs[k] = pub
		scale[k] = 0
		if n > 0 {
			scale[k] = float64(pub) / float64(n)
		}
	}

	// Parameters and units.
	slot := func(name string, p *Param) int {
		if p == nil {
			return -1
		}
		m.params = append(m.params, p)
		m.paramNames = append(m.paramNames, name)
		return len(m.params) - 1
	}
	type plan struct {
		growth, avoided, los int
		moveTo, moveShare    []int
		places               map[string]bool // nil: all
		lo, hi               int             // ages; hi < 0: all
	}
	plans := make([][]plan, len(m.services)) // by service: groups first, the service's last
	m.capacity = make([]capacitySlots, len(m.services))
	for si, svc := range m.services {
		m.capacity[si] = capacitySlots{-1, -1, -1, -1}
		spec := f.Services[svc]
		if spec == nil {
			plans[si] = []plan{{growth: -1, avoided: -1, los: -1, hi: -1}}
			continue
		}
		if c := spec.Capacity; c != nil {
			m.capacity[si] = capacitySlots{
				occupancy: slot(svc+"/capacity/bed_occupancy", c.BedOccupancy),
				minutes:   slot(svc+"/capacity/minutes_per_appointment", c.MinutesPerAppointment),
				session:   slot(svc+"/capacity/session_hours", c.SessionHours),
				perYear:   slot(svc+"/capacity/appointments_per_clinician_year", c.AppointmentsPerClinicianYear),
			}
		}
		factorPlan := func(prefix string, fs Factors, base *plan) plan {
			p := plan{growth: slot(prefix+"non_demographic_growth", fs.NonDemographicGrowth),
				avoided: slot(prefix+"activity_avoided", fs.ActivityAvoided),
				los:     slot(prefix+"length_of_stay_change", fs.LengthOfStayChange), hi: -1}
			for _, mv := range fs.Moves {
				p.moveTo = append(p.moveTo, svcIdx[mv.To])
				p.moveShare = append(p.moveShare, slot(prefix+"moves/"+mv.To, mv.Share))
			}
			if base != nil {
				if fs.NonDemographicGrowth == nil {
					p.growth = base.growth
				}
				if fs.ActivityAvoided == nil {
					p.avoided = base.avoided
				}
				if fs.LengthOfStayChange == nil {
					p.los = base.los
				}
				if fs.Moves == nil {
					p.moveTo, p.moveShare = base.moveTo, base.moveShare
				}
			}
			return p
		}
		own := factorPlan(svc+"/", spec.Factors, nil)
		for gi, g := range spec.Groups {
			gp := fmt.Sprintf("$.services.%s.groups[%d]", svc, gi)
			p := factorPlan(fmt.Sprintf("%s/groups[%d]/", svc, gi), g.Factors, &own)
			if len(g.Places) > 0 {
				p.places = map[string]bool{}
				for i, code := range g.Places {
					n := 0
					for _, pl := range m.places {
						if pl.Code == code || pl.Parent == code || pl.ParentODS != "" && pl.ParentODS == code {
							p.places[pl.Code] = true
							n++
						}
					}
					if n == 0 {
						ps = append(ps, fieldProblem{fmt.Sprintf("%s.places[%d]", gp, i),
							fmt.Sprintf("%q is not a place (local authority) or ICB of the run", code)})
					}
				}
			}
			if g.Ages != nil {
				p.lo, p.hi = g.Ages.From, g.Ages.To
				if p.hi == 0 {
					p.hi = math.MaxInt
				}
				for _, bd := range bands {
					inside := bd.lo >= p.lo && bd.hi <= p.hi
					outside := bd.hi < p.lo || bd.lo > p.hi
					if !inside && !outside {
						ps = append(ps, fieldProblem{gp + ".ages", fmt.Sprintf("age band %s of the run straddles the range: choose limits at band edges (bands: %s)",
							bd.label, bandLabels(bands))})
					}
				}
			}
			plans[si] = append(plans[si], p)
		}
		plans[si] = append(plans[si], own)
	}
	if len(ps) > 0 {
		return nil, f.problems(m.fileName(), ps)
	}
	// The settings each service moves activity to, and back.
	m.sources = make([][]int, len(m.services))
	for si := range m.services {
		for _, p := range plans[si] {
			for _, t := range p.moveTo {
				if !slices.Contains(m.sources[t], si) {
					m.sources[t] = append(m.sources[t], si)
				}
			}
		}
	}

	bandIdx := map[string]int{}
	for i, bd := range bands {
		bandIdx[bd.label] = i
	}
	type unitKey struct{ place, service, plan int }
	unitOf := map[unitKey]int{}
	h := m.horizon
	for _, c := range b.Cells {
		pi, ok := placeIdx[c.Place]
		if !ok {
			continue // outside the region's places (residence unknown)
		}
		si := svcIdx[c.Service]
		k := scale[ps2{c.Place, c.Service}]
		if k == 0 {
			continue
		}
		bi, known := bandIdx[c.AgeBand]
		planIdx := slices.IndexFunc(plans[si], func(p plan) bool {
			if p.places != nil && !p.places[c.Place] {
				return false
			}
			if p.hi < 0 {
				return true
			}
			return known && bands[bi].lo >= p.lo && bands[bi].hi <= p.hi
		})
		uk := unitKey{pi, si, planIdx}
		ui, ok := unitOf[uk]
		if !ok {
			p := plans[si][planIdx]
			u := unit{place: pi, service: si, growth: p.growth, avoided: p.avoided, los: p.los,
				moveTo: p.moveTo, moveShare: p.moveShare,
				w: make([][]float64, len(vfs)), wb: make([][]float64, len(vfs))}
			for v := range vfs {
				u.w[v], u.wb[v] = make([]float64, h+1), make([]float64, h+1)
			}
			ui = len(m.units)
			unitOf[uk] = ui
			m.units = append(m.units, u)
		}
		u := &m.units[ui]
		ev, bd := float64(c.Events)*k, float64(c.BedDays)*k
		for v, vf := range vfs {
			d := vf.of(c.Place, c.AgeBand, c.Sex, known)
			for t := 0; t <= h; t++ {
				u.w[v][t] += ev * d[t]
				u.wb[v][t] += bd * d[t]
			}
		}
	}
	// Units in a fixed order, so that sums are always taken alike.
	slices.SortFunc(m.units, func(a, b unit) int {
		return cmp.Or(cmp.Compare(a.place, b.place), cmp.Compare(a.service, b.service))
	})
	published := make([][]float64, len(m.places))
	for pi, p := range m.places {
		published[pi] = make([]float64, len(m.services))
		for si, svc := range m.services {
			published[pi][si] = float64(pubs[ps2{p.Code, svc}])
		}
	}
	m.outputs(published)
	return m, nil
}

// outputs settles which areas and services have results, their published
// baselines and whether they must be suppressed.
// published[place][service] is the published baseline count.
func (m *Model) outputs(published [][]float64) {
	nOut := m.numAreas() * len(m.services)
	m.baseline = make([]outBaseline, nOut)
	m.exists = make([]bool, nOut)
	for _, u := range m.units {
		o := m.out(u.place, u.service)
		m.exists[o] = true
		m.baseline[o].bedDays += u.wb[0][0]
		for _, t := range u.moveTo {
			m.exists[m.out(u.place, t)] = true
		}
	}
	// A place's service whose baseline count was suppressed has a row,
	// shown suppressed; so have the settings it moves activity to (they
	// are suppressed below if that is all they receive).
	for pi := range m.places {
		for si := range m.services {
			o := m.out(pi, si)
			if m.exists[o] {
				m.baseline[o].events = published[pi][si]
			}
			if m.hidden[pi][si] {
				m.exists[o] = true
				for t, srcs := range m.sources {
					if slices.Contains(srcs, si) {
						m.exists[m.out(pi, t)] = true
					}
				}
			}
		}
	}
	for pi := range m.places {
		for si := range m.services {
			o := m.out(pi, si)
			if !m.exists[o] {
				continue
			}
			srcBase, srcHidden := 0.0, false
			for _, s := range m.sources[si] {
				srcBase += m.baseline[m.out(pi, s)].events
				srcHidden = srcHidden || m.hidden[pi][s]
			}
			m.baseline[o].suppressed = m.hidden[pi][si] ||
				m.baseline[o].events == 0 && srcBase == 0 && srcHidden
			// Parents and the region add up the published baselines.
			for _, a := range []int{m.parentArea(pi), m.regionArea()} {
				ao := a*len(m.services) + si
				m.exists[ao] = true
				m.baseline[ao].events += m.baseline[o].events
				m.baseline[ao].bedDays += m.baseline[o].bedDays
			}
		}
	}
	// An area whose every contributing baseline is suppressed is
	// suppressed too (its zero would be false).
	for a := len(m.places); a < m.numAreas(); a++ {
		for si := range m.services {
			ao := a*len(m.services) + si
			if !m.exists[ao] {
				continue
			}
			base, hide := m.baseline[ao].events, false
			for pi := range m.places {
				if a != m.regionArea() && m.parentArea(pi) != a {
					continue
				}
				hide = hide || m.hidden[pi][si]
				for _, s := range m.sources[si] {
					base += m.baseline[m.out(pi, s)].events
					hide = hide || m.hidden[pi][s]
				}
			}
			m.baseline[ao].suppressed = base == 0 && hide
		}
	}
}

func (m *Model) numAreas() int         { return len(m.places) + len(m.parents) + 1 }
func (m *Model) regionArea() int       { return len(m.places) + len(m.parents) }
func (m *Model) out(area, svc int) int { return area*len(m.services) + svc }
func (m *Model) parentArea(place int) int {
	i, _ := slices.BinarySearch(m.parents, m.places[place].Parent)
	return len(m.places) + i
}

func (m *Model) fileName() string { return m.file.source }

// Params names the model's uncertain parameters, in slot order: Draws
// values are given in this order. A name is the service, the group if any
// and the field, e.g. "emergency_admission/groups[0]/activity_avoided".
func (m *Model) Params() []string { return slices.Clone(m.paramNames) }

// Variants names the demographic variants, in the order Draws.Variant
// indexes them.
func (m *Model) Variants() []string {
	out := make([]string, len(m.variants))
	for i, v := range m.variants {
		out[i] = v.name
	}
	return out
}

// Draws are the parameter values of every draw of a run: Variant[d] is the
// demographic variant of draw d, Values[s][d] the value of parameter slot s
// (Params) in draw d.
type Draws struct {
	Variant []int
	Values  [][]float64
}

// Draw draws every parameter for every draw. Each parameter has its own
// random stream, seeded by the scenario's seed and the parameter's name, so
// a parameter's draws do not change when others are added or removed —
// and two scenarios with the same seed share the draws of the parameters
// they have in common, which keeps their comparison free of sampling noise.
func (m *Model) Draw() Draws {
	d := Draws{Variant: make([]int, m.draws), Values: make([][]float64, len(m.params))}
	rng := m.stream("demographic/variant")
	for i := range d.Variant {
		u := uniform(rng)
		d.Variant[i] = len(m.variants) - 1
		var cum float64
		for v, vr := range m.variants {
			cum += vr.prob
			if u < cum {
				d.Variant[i] = v
				break
			}
		}
	}
	for s, p := range m.params {
		rng := m.stream(m.paramNames[s])
		vals := make([]float64, m.draws)
		for i := range vals {
			vals[i] = p.Quantile(uniform(rng))
		}
		d.Values[s] = vals
	}
	return d
}

func (m *Model) stream(name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(m.seed, h.Sum64()))
}

// uniform is a uniform number strictly inside (0, 1), so that every
// distribution's quantile function is finite at it.
func uniform(r *rand.Rand) float64 { return (float64(r.Uint64()>>11) + 0.5) / (1 << 53) }

// Run draws the parameters and runs the model.
func (m *Model) Run(ctx context.Context) (*Results, error) { return m.RunDraws(ctx, m.Draw()) }

// RunDraws runs the model with the given draws: for every year from the
// baseline to the horizon and every draw, the activity of each area and
// service after each factor; then the quantiles, the attribution and the
// capacity of each.
func (m *Model) RunDraws(ctx context.Context, d Draws) (*Results, error) {
	n := len(d.Variant)
	if n == 0 {
		return nil, errors.New("scenario: no draws")
	}
	if len(d.Values) != len(m.params) {
		return nil, fmt.Errorf("scenario: %d parameter draws, the model has %d parameters", len(d.Values), len(m.params))
	}
	for s, v := range d.Values {
		if len(v) != n {
			return nil, fmt.Errorf("scenario: parameter %s has %d draws, want %d", m.paramNames[s], len(v), n)
		}
	}
	res := &Results{Scenario: m.name, BaselineYear: m.year, Draws: n}
	nOut := len(m.exists)
	// act and bed hold, for one year, each output's value after each
	// stage in each draw: [output][stage][draw], flattened.
	act := make([]float64, nOut*stages*n)
	bed := make([]float64, nOut*stages*n)
	// The baseline year's capacity is every later year's baseline.
	baseCap := make([]map[string]float64, nOut)
	for t := 0; t <= m.horizon; t++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		clear(act)
		clear(bed)
		if err := m.simulate(ctx, t, d, act, bed); err != nil {
			return nil, err
		}
		rows, attr, err := m.summarise(ctx, t, d, act, bed, baseCap)
		if err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, rows...)
		res.Attribution = append(res.Attribution, attr...)
	}
	res.Assumptions = m.assumptions()
	return res, nil
}

// phase is the share of the mitigators' full effect reached in year t.
func (m *Model) phase(t int) float64 {
	if m.phaseIn == 0 {
		if t == 0 {
			return 0
		}
		return 1
	}
	return min(float64(t)/float64(m.phaseIn), 1)
}

// simulate fills act and bed for year t. Draws are split between workers;
// each draw is computed by one worker alone, from places up to the region
// in a fixed order, so results do not depend on the number of workers.
// Workers take their draws in blocks, so that the values of a block's draws
// for one output and stage lie side by side in memory.
func (m *Model) simulate(ctx context.Context, t int, d Draws, act, bed []float64) error {
	n := len(d.Variant)
	nSvc := len(m.services)
	phi := m.phase(t)
	// The growth factor of each growth parameter in each draw, (1+g)^t.
	growth := make([][]float64, len(m.params))
	for _, u := range m.units {
		if u.growth >= 0 && growth[u.growth] == nil {
			g := make([]float64, n)
			for i, v := range d.Values[u.growth] {
				g[i] = math.Pow(1+v, float64(t))
			}
			growth[u.growth] = g
		}
	}
	const block = 16
	eg, gctx := errgroup.WithContext(ctx)
	workers := min(m.workers, (n+block-1)/block)
	for w := range workers {
		// Whole blocks per worker.
		nb := (n + block - 1) / block
		lo, hi := w*nb/workers*block, min((w+1)*nb/workers*block, n)
		eg.Go(func() error {
			in := make([]float64, len(m.exists)*block) // activity moved in, by output and draw
			for b0 := lo; b0 < hi; b0 += block {
				if err := gctx.Err(); err != nil {
					return err
				}
				b1 := min(b0+block, hi)
				clear(in)
				for ui := range m.units {
					u := &m.units[ui]
					o := m.out(u.place, u.service)
					a1, a2, a3, a4 := act[(o*stages+1)*n:], act[(o*stages+2)*n:], act[(o*stages+3)*n:], act[(o*stages+4)*n:]
					e1, e2, e3, e4, e5 := bed[(o*stages+1)*n:], bed[(o*stages+2)*n:], bed[(o*stages+3)*n:], bed[(o*stages+4)*n:], bed[(o*stages+5)*n:]
					for i := b0; i < b1; i++ {
						v := d.Variant[i]
						s1, x1 := u.w[v][t], u.wb[v][t]
						g := 1.0
						if u.growth >= 0 {
							g = growth[u.growth][i]
						}
						kept := 1.0
						if u.avoided >= 0 {
							kept = 1 - d.Values[u.avoided][i]*phi
						}
						s2, x2 := s1*g, x1*g
						s3, x3 := s2*kept, x2*kept
						// Shares moved; if they add up to more than
						// everything, they are scaled down to everything.
						var moved float64
						for _, sl := range u.moveShare {
							moved += d.Values[sl][i] * phi
						}
						cut := 1.0
						if moved > 1 {
							cut = 1 / moved
						}
						for k, sl := range u.moveShare {
							in[m.out(u.place, u.moveTo[k])*block+i-b0] += s3 * d.Values[sl][i] * phi * cut
						}
						left := 1 - min(moved, 1)
						s4, x4 := s3*left, x3*left
						stay := 1.0
						if u.los >= 0 {
							stay = 1 + d.Values[u.los][i]*phi
						}
						a1[i] += s1
						a2[i] += s2
						a3[i] += s3
						a4[i] += s4
						e1[i] += x1
						e2[i] += x2
						e3[i] += x3
						e4[i] += x4
						e5[i] += x4 * stay
					}
				}
				for pi := range m.places {
					parent, region := m.parentArea(pi), m.regionArea()
					for si := range nSvc {
						o := m.out(pi, si)
						if !m.exists[o] {
							continue
						}
						a4, a5 := act[(o*stages+4)*n:], act[(o*stages+5)*n:]
						for i := b0; i < b1; i++ {
							a5[i] = a4[i] + in[o*block+i-b0]
						}
						for _, area := range []int{parent, region} {
							ao := m.out(area, si)
							for st := 1; st < stages; st++ {
								src, dst := act[(o*stages+st)*n:], act[(ao*stages+st)*n:]
								bsrc, bdst := bed[(o*stages+st)*n:], bed[(ao*stages+st)*n:]
								for i := b0; i < b1; i++ {
									dst[i] += src[i]
									bdst[i] += bsrc[i]
								}
							}
						}
					}
				}
			}
			return nil
		})
	}
	return eg.Wait()
}

// summarise turns one year's draws into result and attribution rows, the
// outputs split between workers and put back in order.
func (m *Model) summarise(ctx context.Context, t int, d Draws, act, bed []float64, baseCap []map[string]float64) ([]ResultRow, []AttributionRow, error) {
	n := len(d.Variant)
	nOut := len(m.exists)
	rows := make([][]ResultRow, nOut)
	attr := make([][]AttributionRow, nOut)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(m.workers)
	for o := range nOut {
		if !m.exists[o] {
			continue
		}
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			scratch := make([]float64, n)
			rows[o], attr[o] = m.summariseOutput(o, t, d, act, bed, scratch, baseCap)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return slices.Concat(rows...), slices.Concat(attr...), nil
}

func (m *Model) summariseOutput(o, t int, d Draws, act, bed, scratch []float64, baseCap []map[string]float64) ([]ResultRow, []AttributionRow) {
	n := len(d.Variant)
	area, si := o/len(m.services), o%len(m.services)
	level, parent, place := LevelPlace, "", ""
	switch {
	case area < len(m.places):
		parent, place = m.places[area].Parent, m.places[area].Code
	case area < m.regionArea():
		level, parent, place = LevelParent, m.parents[area-len(m.places)], All
	default:
		level, parent, place = LevelRegion, All, All
	}
	svc := m.services[si]
	base := m.baseline[o]
	row := func(measure string, baseline float64, s summary) ResultRow {
		return ResultRow{Scenario: m.name, Level: level, Parent: parent, Place: place, Service: svc,
			Measure: measure, Year: int32(m.year + t), YearsAhead: int32(t), Baseline: baseline,
			Mean: s.mean, P10: s.p10, P50: s.p50, P90: s.p90, Suppressed: base.suppressed}
	}
	stage := func(arr []float64, st int) []float64 { return arr[(o*stages+st)*n : (o*stages+st+1)*n] }
	var rows []ResultRow
	var attr []AttributionRow
	measure := func(name string, arr []float64, baseline float64, factors []string) []float64 {
		final := stage(arr, 5)
		s := summarize(final, scratch)
		rows = append(rows, row(name, baseline, s))
		if t == 0 {
			return final
		}
		// Step attribution on medians: each factor's part is how far the
		// median moved when it was applied; the parts add up to the
		// median's change from the baseline.
		prev := baseline
		for k, f := range factors {
			med := s.p50
			if k < len(factors)-1 {
				med = median(stage(arr, k+1), scratch)
			}
			attr = append(attr, AttributionRow{Scenario: m.name, Level: level, Parent: parent, Place: place,
				Service: svc, Measure: name, Year: int32(m.year + t), Factor: f, Order: int32(k + 1),
				Value: med - prev, Suppressed: base.suppressed})
			prev = med
		}
		return final
	}
	activity := measure(Activity, act, base.events, activityFactors)
	var bedDays []float64
	if m.bedSvc[si] {
		bedDays = measure(BedDays, bed, base.bedDays, bedDayFactors)
	}
	// Capacity, draw by draw.
	c := m.capacity[si]
	per := make([]float64, n)
	capRow := func(name string, f func(i int) float64) {
		for i := range per {
			per[i] = f(i)
		}
		s := summarize(per, scratch)
		if t == 0 {
			if baseCap[o] == nil {
				baseCap[o] = map[string]float64{}
			}
			baseCap[o][name] = s.p50
		}
		rows = append(rows, row(name, baseCap[o][name], s))
	}
	val := func(slot, i int) float64 { return d.Values[slot][i] }
	if c.occupancy >= 0 && bedDays != nil {
		capRow(Beds, func(i int) float64 { return bedDays[i] / (365 * val(c.occupancy, i)) })
	}
	if c.minutes >= 0 {
		capRow(ClinicianHours, func(i int) float64 { return activity[i] * val(c.minutes, i) / 60 })
		if c.session >= 0 {
			capRow(Sessions, func(i int) float64 { return activity[i] * val(c.minutes, i) / 60 / val(c.session, i) })
		}
	}
	if c.perYear >= 0 {
		capRow(ClinicianWTE, func(i int) float64 { return activity[i] / val(c.perYear, i) })
	}
	return rows, attr
}

// projectionFactors reads a projection file and turns it into demographic
// factors for the run's places, age bands and sexes.
func (m *Model) projectionFactors(name string, opts Options, bands []band, year int) (*factors, error) {
	open := opts.Open
	if open == nil {
		open = func(n string) (*os.File, error) {
			if !filepath.IsAbs(n) && m.file.Path != "" {
				n = filepath.Join(filepath.Dir(m.file.Path), n)
			}
			return os.Open(n)
		}
	}
	f, err := open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := ReadProjection(f, filepath.Base(name))
	if err != nil {
		return nil, err
	}
	return projectionToFactors(rows, m.places, bands, year, m.horizon)
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
