package reports

import (
	"cmp"
	"context"
	dbsql "database/sql"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The planning-scenarios section of the report (docs/scenarios.md): for
// each area, a fan chart of each service's activity under every scenario
// beside the statistical forecast, a waterfall of the change attributed to
// each factor, and the capacity each scenario takes, each with its numbers
// in a table. It is self-contained: load reads its tables, fill adds it to
// a page.

// scenarioData is what the run's scenario tables hold.
type scenarioData struct {
	names       []string // in the order first met (by name)
	info        map[string]scenarioInfo
	results     map[scenarioKey][]scenarioResult // by year
	attribution map[scenarioKey][]scenarioPart   // the horizon year's, in factor order
	assumptions []scenarioAssumption
}

type scenarioInfo struct {
	Title, Description                              string
	BaselineYear, HorizonYears, PhaseInYears, Draws int64
	Seed                                            int64
}

// scenarioKey is one result series: scenario, area, service and measure.
type scenarioKey struct {
	Scenario, Level, ICB, LAD, Service, Measure string
}

type scenarioResult struct {
	Year, YearsAhead              int64
	Baseline, Mean, P10, P50, P90 float64
	Suppressed                    bool
}

type scenarioPart struct {
	Year       int64
	Factor     string
	Value      float64
	Suppressed bool
}

type scenarioAssumption struct {
	Scenario, Service, AppliesTo, Parameter, Target, Distribution string
	P10, P50, P90                                                 float64
}

// loadScenarios reads the scenario tables, if the run has them.
func loadScenarios(ctx context.Context, db *dbsql.DB, have map[string]bool) (*scenarioData, error) {
	if !have["scenario_results"] {
		return nil, nil
	}
	d := &scenarioData{info: map[string]scenarioInfo{}, results: map[scenarioKey][]scenarioResult{},
		attribution: map[scenarioKey][]scenarioPart{}}
	err := query(ctx, db, "scenario_results", func(r *dbsql.Rows) error {
		var k scenarioKey
		var x scenarioResult
		err := r.Scan(&k.Scenario, &k.Level, &k.ICB, &k.LAD, &k.Service, &k.Measure, &x.Year, &x.YearsAhead,
			&x.Baseline, &x.Mean, &x.P10, &x.P50, &x.P90, &x.Suppressed)
		k = k.normal()
		if !slices.Contains(d.names, k.Scenario) {
			d.names = append(d.names, k.Scenario)
		}
		d.results[k] = append(d.results[k], x)
		return err
	})
	if err != nil {
		return nil, err
	}
	if have["scenario_assumptions"] {
		err := query(ctx, db, "scenario_assumptions", func(r *dbsql.Rows) error {
			var a scenarioAssumption
			var i scenarioInfo
			err := r.Scan(&a.Scenario, &i.Title, &i.Description, &i.BaselineYear, &i.HorizonYears, &i.PhaseInYears, &i.Draws, &i.Seed,
				&a.Service, &a.AppliesTo, &a.Parameter, &a.Target, &a.Distribution, &a.P10, &a.P50, &a.P90)
			d.info[a.Scenario] = i
			d.assumptions = append(d.assumptions, a)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	if have["scenario_attribution"] {
		// Only the horizon year's parts are shown.
		last := map[string]int64{}
		for k, rs := range d.results {
			last[k.Scenario] = max(last[k.Scenario], rs[len(rs)-1].Year)
		}
		err := query(ctx, db, "scenario_attribution", func(r *dbsql.Rows) error {
			var k scenarioKey
			var p scenarioPart
			var order int64
			err := r.Scan(&k.Scenario, &k.Level, &k.ICB, &k.LAD, &k.Service, &k.Measure, &p.Year, &p.Factor, &order, &p.Value, &p.Suppressed)
			k = k.normal()
			if err == nil && p.Year == last[k.Scenario] {
				d.attribution[k] = append(d.attribution[k], p)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return d, nil
}

// normal is the key as the report looks it up: a place by its code alone,
// since a page's scope does not carry the place's ICB.
func (k scenarioKey) normal() scenarioKey {
	if k.Level == "place" {
		k.ICB = ""
	}
	return k
}

// scenarioKey is the key of an area of the report.
func (sc scope) scenarioKey(scenario, service, measure string) scenarioKey {
	switch sc.level {
	case "place":
		return scenarioKey{scenario, "place", "", sc.code, service, measure}
	case "icb":
		return scenarioKey{scenario, "icb", sc.code, "all", service, measure}
	}
	return scenarioKey{scenario, "region", "all", "all", service, measure}
}

func (d *scenarioData) lookup(k scenarioKey) []scenarioResult { return d.results[k] }

func (d *scenarioData) parts(k scenarioKey) []scenarioPart { return d.attribution[k] }

// services lists the services and settings with scenario results, in the
// report's service order, then settings by name.
func (d *scenarioData) services() []string {
	seen := map[string]bool{}
	for k := range d.results {
		seen[k.Service] = true
	}
	return inServiceOrder(seen)
}

var factorNames = map[string]string{
	"demographic":            "Demographic change",
	"non_demographic_growth": "Non-demographic growth",
	"activity_avoided":       "Activity avoided",
	"moved_out":              "Moved to other settings",
	"moved_in":               "Moved in from other services",
	"length_of_stay":         "Length of stay",
}

// factorLabels are the factors' short names under the waterfall's bars.
var factorLabels = map[string]string{
	"demographic":            "Demography",
	"non_demographic_growth": "Growth",
	"activity_avoided":       "Avoided",
	"moved_out":              "Moved out",
	"moved_in":               "Moved in",
	"length_of_stay":         "Stays",
}

var measureTitles = map[string]string{
	"activity":        "Activity",
	"bed_days":        "Bed-days",
	"beds":            "Beds",
	"sessions":        "Clinic sessions",
	"clinician_hours": "Clinician hours",
	"clinician_wte":   "Clinicians (whole-time equivalent)",
}

// parameterFigure shows an assumption as a planner wrote it: whole numbers
// from 100 up, otherwise four significant digits at most.
func parameterFigure(v float64) Cell {
	if math.Abs(v) >= 100 || math.IsNaN(v) {
		return ModelledFigure(v, 0)
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 4, 64), 64)
	return Cell{Text: strconv.FormatFloat(r, 'f', -1, 64), Kind: Modelled, Value: r}
}

// suppressedModelled is a modelled figure derived from a suppressed count.
func suppressedModelled() Cell { return Cell{Text: Suppressed, Kind: Modelled, Value: math.NaN()} }

// figureOf publishes a scenario figure: suppressed, or modelled.
func figureOf(v float64, suppressed bool, decimals int) Cell {
	if suppressed {
		return suppressedModelled()
	}
	return ModelledFigure(v, decimals)
}

const scenarioNote = "Scenario figures are modelled: the 10th, 50th and 90th percentiles over 1,000 (or the scenario's) Monte-Carlo draws of the assumptions, from the baseline year's published counts (rounded; a place's service with 1 to 7 events is suppressed, shown as *, and left out of its ICB's and the region's figures). The attribution splits the change of the median between the factors, step by step in the order they are applied; the parts are rounded so that they add up to the rounded change."

func (r *report) scenarioSection(sc scope) (section, bool, error) {
	d := r.d.scenarios
	if d == nil || len(d.names) == 0 {
		return section{}, false, nil
	}
	sec := section{ID: "scenarios", Title: "Planning scenarios"}
	area := sc.name
	if sc.level == "region" {
		area = "the region"
	}
	sec.Paras = []string{
		fmt.Sprintf("What %s would need under each planning scenario the run holds: the demand of each service by year with its 80 %% range (shaded, 10th to 90th percentile) against the statistical forecast, what makes up the change by the horizon, and the capacity it takes. Scenario figures are modelled, not counts; each scenario's assumptions are listed on the region's page.", area),
	}
	// The scenarios.
	st := &table{ID: sc.id() + "-scenarios", Caption: "Scenarios", Cols: []column{
		{"Scenario", "scenario", Label}, {"Title", "title", Label}, {"Baseline year", "baseline_year", Label},
		{"Horizon", "horizon_year", Label}, {"Draws", "draws", Label}, {"What it assumes", "description", Label},
	}}
	for _, n := range d.names {
		i := d.info[n]
		st.Rows = append(st.Rows, []Cell{Text(n), Text(i.Title), Text(fmt.Sprint(i.BaselineYear)),
			Text(fmt.Sprint(i.BaselineYear + i.HorizonYears)), Text(fmt.Sprint(i.Draws)), Text(i.Description)})
	}
	sec.Blocks = append(sec.Blocks, block{Table: st})
	if sc.level == "region" && len(d.assumptions) > 0 {
		at := &table{ID: "scenario-assumptions", Caption: "Assumptions of each scenario (percentiles of each parameter as drawn; for a demographic variant, its probability)", Cols: []column{
			{"Scenario", "scenario", Label}, {"Service", "service", Label}, {"Applies to", "applies_to", Label},
			{"Parameter", "parameter", Label}, {"Setting or variant", "target", Label}, {"Distribution", "distribution", Label},
			{"10th percentile", "p10", Modelled}, {"Median", "p50", Modelled}, {"90th percentile", "p90", Modelled},
		}}
		for _, a := range d.assumptions {
			at.Rows = append(at.Rows, []Cell{Text(a.Scenario), Text(serviceName(a.Service)), Text(a.AppliesTo), Text(humanise(a.Parameter)),
				Text(a.Target), Text(a.Distribution), parameterFigure(a.P10), parameterFigure(a.P50), parameterFigure(a.P90)})
		}
		sec.Blocks = append(sec.Blocks, block{Heading: "Assumptions", Table: at})
	}
	for _, svc := range d.services() {
		var figs []figure
		fan, ok, err := r.scenarioFan(sc, svc)
		if err != nil {
			return sec, false, err
		}
		if ok {
			figs = append(figs, fan)
		}
		wf, ok, err := r.scenarioWaterfall(sc, svc)
		if err != nil {
			return sec, false, err
		}
		if ok {
			figs = append(figs, wf)
		}
		if len(figs) > 0 {
			sec.Blocks = append(sec.Blocks, block{Heading: serviceName(svc), Figures: figs})
		}
	}
	if ct := r.capacityTable(sc); len(ct.Rows) > 0 {
		sec.Blocks = append(sec.Blocks, block{Heading: "Capacity", Table: ct})
	}
	sec.Blocks = append(sec.Blocks, block{Paras: []string{scenarioNote}})
	return sec, true, nil
}

// annualHistory is the area's published activity of each whole calendar
// year of its monthly series: the total of its published months, as the
// report's other totals are.
func (r *report) annualHistory(key string) map[int]Cell {
	byYear := map[int][]Cell{}
	for _, p := range r.d.history[key] {
		byYear[p.Month.Year()] = append(byYear[p.Month.Year()], r.dc.Count(p.Events))
	}
	out := map[int]Cell{}
	for y, cells := range byYear {
		if len(cells) == 12 {
			out[y] = r.dc.Total(cells)
		}
	}
	return out
}

// annualForecast is the statistical forecast of each calendar year the
// forecast reaches: its months' means, with the published months of the
// year already observed. Years with a suppressed month have none.
func (r *report) annualForecast(key string) map[int]float64 {
	fc := r.d.forecasts[key]
	if len(fc) == 0 {
		return nil
	}
	observed := map[time.Time]Cell{}
	for _, p := range r.d.history[key] {
		observed[p.Month] = r.dc.Count(p.Events)
	}
	means := map[time.Time]float64{}
	for _, f := range fc {
		means[f.Period] = f.Mean
	}
	out := map[int]float64{}
	for y := fc[0].Period.Year(); y <= fc[len(fc)-1].Period.Year(); y++ {
		var sum float64
		whole := true
		for m := time.January; m <= time.December; m++ {
			t := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
			if v, ok := means[t]; ok {
				sum += v
			} else if c, ok := observed[t]; ok && c.Shown() {
				sum += c.Value
			} else {
				whole = false
			}
		}
		if whole {
			out[y] = sum
		}
	}
	return out
}

func (r *report) scenarioFan(sc scope, svc string) (figure, bool, error) {
	d := r.d.scenarios
	key := seriesKey(sc, svc)
	hist := r.annualHistory(key)
	fcst := r.annualForecast(key)
	var series []fanSeries
	years := map[int]bool{}
	for y := range hist {
		years[y] = true
	}
	for y := range fcst {
		years[y] = true
	}
	for _, n := range d.names {
		rs := d.lookup(sc.scenarioKey(n, svc, "activity"))
		if len(rs) == 0 {
			continue
		}
		s := fanSeries{name: n}
		for _, x := range rs {
			years[int(x.Year)] = true
			s.points = append(s.points, fanPoint{year: int(x.Year), p10: x.P10, p50: x.P50, p90: x.P90, suppressed: x.Suppressed})
		}
		series = append(series, s)
	}
	if len(series) == 0 {
		return figure{}, false, nil
	}
	ys := make([]int, 0, len(years))
	for y := range years {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	id := sc.id() + "-scenario-" + svc
	cols := []column{{"Year", "year", Label}, {"Activity", "events", Count}, {"Statistical forecast", "forecast", Modelled}}
	for _, s := range series {
		cols = append(cols, column{s.name + ": 10th percentile", s.name + "_p10", Modelled},
			column{s.name + ": median", s.name + "_p50", Modelled}, column{s.name + ": 90th percentile", s.name + "_p90", Modelled})
	}
	data := &table{ID: id, Caption: fmt.Sprintf("%s, %s: activity a year, history, statistical forecast and scenarios", serviceName(svc), sc.name), Cols: cols}
	na := ModelledFigure(math.NaN(), 0)
	for _, y := range ys {
		h, ok := hist[y]
		if !ok {
			h = Cell{Text: notAvailable, Kind: Count, Value: math.NaN()}
		}
		row := []Cell{Text(fmt.Sprint(y)), h, na}
		if v, ok := fcst[y]; ok {
			row[2] = ModelledFigure(v, 0)
		}
		for _, s := range series {
			i := slices.IndexFunc(s.points, func(p fanPoint) bool { return p.year == y })
			if i < 0 {
				row = append(row, na, na, na)
				continue
			}
			p := s.points[i]
			row = append(row, figureOf(p.p10, p.suppressed, 0), figureOf(p.p50, p.suppressed, 0), figureOf(p.p90, p.suppressed, 0))
		}
		data.Rows = append(data.Rows, row)
	}
	title := fmt.Sprintf("%s, %s", serviceName(svc), sc.name)
	p, err := fanChart(title, hist, fcst, series)
	if err != nil {
		return figure{}, false, fmt.Errorf("chart %s: %w", id, err)
	}
	desc := fmt.Sprintf("Line chart of yearly %s: history, the statistical forecast and, for each scenario (%s), the median with its 10th to 90th percentile range", lowerFirst(serviceName(svc)), strings.Join(d.names, ", "))
	for _, s := range series {
		last := s.points[len(s.points)-1]
		if !last.suppressed {
			desc += fmt.Sprintf("; %s reaches %s in %d (80 %% range %s to %s)", s.name, formatInt(int64(math.Round(last.p50))), last.year,
				formatInt(int64(math.Round(last.p10))), formatInt(int64(math.Round(last.p90))))
		}
	}
	desc += ". The numbers are in the table below the chart."
	svg, err := inlineSVG(p, id+"-fan", title+": scenarios", desc)
	if err != nil {
		return figure{}, false, err
	}
	return figure{SVG: template.HTML(svg), Caption: "Yearly activity: history (whole years), the statistical forecast (dashed) and each scenario's median with its 80 % range (shaded).", Data: data}, true, nil
}

func (r *report) scenarioWaterfall(sc scope, svc string) (figure, bool, error) {
	d := r.d.scenarios
	type bars struct {
		name       string
		baseline   float64
		parts      []int64
		final      int64
		suppressed bool
	}
	var all []bars
	var factors []string
	year := int64(0)
	for _, n := range d.names {
		k := sc.scenarioKey(n, svc, "activity")
		ps := d.parts(k)
		rs := d.lookup(k)
		if len(ps) == 0 || len(rs) == 0 {
			continue
		}
		last := rs[len(rs)-1]
		year = max(year, last.Year)
		b := bars{name: n, baseline: math.Round(last.Baseline), suppressed: last.Suppressed}
		vals := make([]float64, len(ps))
		for i, p := range ps {
			vals[i] = p.Value
			if len(factors) < len(ps) {
				factors = append(factors, p.Factor)
			}
		}
		b.final = int64(math.Round(last.P50))
		b.parts = roundToTotal(vals, b.final-int64(b.baseline))
		all = append(all, b)
	}
	if len(all) == 0 {
		return figure{}, false, nil
	}
	id := sc.id() + "-waterfall-" + svc
	cols := []column{{"Step", "step", Label}}
	for _, b := range all {
		cols = append(cols, column{b.name, b.name, Modelled})
	}
	data := &table{ID: id, Caption: fmt.Sprintf("%s, %s: what makes up the change of the median from the baseline year to %d", serviceName(svc), sc.name, year), Cols: cols}
	row := func(label string, f func(b bars) float64) {
		cells := []Cell{Text(label)}
		for _, b := range all {
			cells = append(cells, figureOf(f(b), b.suppressed, 0))
		}
		data.Rows = append(data.Rows, cells)
	}
	row("Baseline year", func(b bars) float64 { return b.baseline })
	for i, f := range factors {
		row(factorNames[f], func(b bars) float64 { return float64(b.parts[i]) })
	}
	row(fmt.Sprintf("Median, %d", year), func(b bars) float64 { return float64(b.final) })
	var ws []waterfallSeries
	for _, b := range all {
		if b.suppressed {
			continue
		}
		w := waterfallSeries{name: b.name, start: b.baseline}
		for _, p := range b.parts {
			w.steps = append(w.steps, float64(p))
		}
		ws = append(ws, w)
	}
	if len(ws) == 0 {
		return figure{}, false, nil // every scenario's figures are suppressed: nothing to draw
	}
	labels := []string{"Baseline"}
	for _, f := range factors {
		labels = append(labels, factorLabels[f])
	}
	labels = append(labels, fmt.Sprint(year))
	title := fmt.Sprintf("%s, %s: change to %d", serviceName(svc), sc.name, year)
	p, err := waterfallChart(title, labels, ws)
	if err != nil {
		return figure{}, false, fmt.Errorf("chart %s: %w", id, err)
	}
	steps := make([]string, len(factors))
	for i, f := range factors {
		steps[i] = lowerFirst(factorNames[f])
	}
	desc := fmt.Sprintf("Waterfall chart of %s from the baseline year to the median of %d, step by step: %s", lowerFirst(serviceName(svc)), year, strings.Join(steps, ", "))
	for _, b := range all {
		if !b.suppressed {
			desc += fmt.Sprintf("; %s: %s to %s", b.name, formatInt(int64(b.baseline)), formatInt(b.final))
		}
	}
	desc += ". The numbers are in the table below the chart."
	svg, err := inlineSVG(p, id+"-chart", title, desc)
	if err != nil {
		return figure{}, false, err
	}
	return figure{SVG: template.HTML(svg), Caption: "What makes up the change of the median: each factor's step, applied in order, one bar per scenario (decreases paler).", Data: data}, true, nil
}

// roundToTotal rounds parts to whole numbers that add up to total (the
// rounded change), the largest remainders rounded up: the table's parts
// then add up as a reader checks them.
func roundToTotal(parts []float64, total int64) []int64 {
	out := make([]int64, len(parts))
	rem := make([]int, len(parts))
	var sum int64
	for i, p := range parts {
		f := math.Floor(p)
		out[i] = int64(f)
		sum += out[i]
		rem[i] = i
	}
	frac := func(i int) float64 { return parts[i] - math.Floor(parts[i]) }
	slices.SortStableFunc(rem, func(a, b int) int { return cmp.Compare(frac(b), frac(a)) })
	for k := 0; sum < total && len(rem) > 0; k = (k + 1) % len(rem) {
		out[rem[k]]++
		sum++
	}
	for k := len(rem) - 1; sum > total && len(rem) > 0; k = (k + len(rem) - 1) % len(rem) {
		out[rem[k]]--
		sum--
	}
	return out
}

// capacityTable lists what each scenario takes in the baseline year and at
// its horizon, for each service with capacity parameters, and bed-days.
func (r *report) capacityTable(sc scope) *table {
	d := r.d.scenarios
	t := &table{ID: sc.id() + "-scenario-capacity", Caption: "Capacity each scenario takes: the baseline year and the horizon", Cols: []column{
		{"Scenario", "scenario", Label}, {"Service", "service", Label}, {"Measure", "measure", Label},
		{"Baseline year", "baseline_year", Label}, {"Baseline", "baseline", Modelled}, {"Horizon", "horizon_year", Label},
		{"10th percentile", "p10", Modelled}, {"Median", "p50", Modelled}, {"90th percentile", "p90", Modelled},
	}, Note: "Beds = bed-days / (365 × target occupancy); sessions = appointments × minutes per appointment / 60 / session hours; clinician hours = appointments × minutes / 60; clinicians = appointments / appointments per clinician year, each draw by draw with the scenario's capacity assumptions. Baseline: the median in the baseline year."}
	for _, n := range d.names {
		for _, svc := range d.services() {
			for _, m := range []string{"bed_days", "beds", "sessions", "clinician_hours", "clinician_wte"} {
				rs := d.lookup(sc.scenarioKey(n, svc, m))
				if len(rs) == 0 {
					continue
				}
				first, last := rs[0], rs[len(rs)-1]
				dec := 0
				if m == "beds" || m == "clinician_wte" {
					dec = 1
				}
				t.Rows = append(t.Rows, []Cell{Text(n), Text(serviceName(svc)), Text(measureTitles[m]),
					Text(fmt.Sprint(first.Year)), figureOf(last.Baseline, last.Suppressed, dec), Text(fmt.Sprint(last.Year)),
					figureOf(last.P10, last.Suppressed, dec), figureOf(last.P50, last.Suppressed, dec), figureOf(last.P90, last.Suppressed, dec)})
			}
		}
	}
	return t
}
