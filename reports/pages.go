package reports

import (
	"cmp"
	dbsql "database/sql"
	"fmt"
	"html/template"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// serviceNames are the services as commissioners name them, in the order
// the report shows them.
var serviceNames = []struct{ code, name string }{
	{"ae_attendance", "A&E attendances"},
	{"emergency_admission", "Emergency admissions"},
	{"elective_admission", "Elective admissions"},
	{"outpatient_attendance", "Outpatient attendances"},
	{"gp_appointment", "GP appointments"},
	{"community_contact", "Community contacts"},
	{"social_care_assessment", "Social care assessments"},
	{"diagnostic_test", "Diagnostic tests"},
}

var measureNames = map[string]string{
	"ae_to_emergency_admission_1d": "A&E attendances followed by an emergency admission within a day",
	"discharge_to_social_care_30d": "Discharges followed by a social care assessment within 30 days",
	"frequent_ae_attenders_12m":    "People with 5 or more A&E attendances in 12 months, of people attending",
}

func serviceName(code string) string {
	for _, s := range serviceNames {
		if s.code == code {
			return s.name
		}
	}
	return humanise(code)
}

func serviceOrder(code string) int {
	for i, s := range serviceNames {
		if s.code == code {
			return i
		}
	}
	return len(serviceNames)
}

// lowerFirst lowers a name's first letter to use it mid-sentence, unless it
// starts an acronym (A&E, GP).
func lowerFirst(s string) string {
	if len(s) > 1 && s[1] >= 'a' && s[1] <= 'z' {
		return strings.ToLower(s[:1]) + s[1:]
	}
	return s
}

func humanise(code string) string {
	s := strings.ReplaceAll(code, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Months shown: history in charts, and the periods compared in tables.
const (
	chartHistory = 36
	horizon      = 12
)

// scope is the area a page covers.
type scope struct {
	level string // region, icb or place
	code  string
	name  string
}

func (s scope) file() string {
	if s.level == "region" {
		return "index.html"
	}
	return s.level + "-" + s.code + ".html"
}

func (s scope) id() string { return strings.TrimSuffix(s.file(), ".html") }

// has reports whether the area with ICB icb and place lad ("all" for an
// ICB) lies in the scope.
func (s scope) has(icb, lad string) bool {
	switch s.level {
	case "icb":
		return icb == s.code
	case "place":
		return lad == s.code
	}
	return true
}

func (r *report) icbs() []scope {
	if len(r.d.history) == 0 {
		return nil // no series: the region's page alone says why
	}
	var out []scope
	for _, p := range r.d.places {
		if len(out) == 0 || out[len(out)-1].code != p.ICB {
			out = append(out, scope{"icb", p.ICB, p.ICBName})
		}
	}
	return out
}

func (r *report) placesOf(icb string) []scope {
	var out []scope
	for _, p := range r.d.places {
		if p.ICB == icb {
			out = append(out, scope{"place", p.LAD, p.LADName})
		}
	}
	return out
}

// areaName names a place or (lad "all") an ICB.
func (r *report) areaName(icb, lad string) string {
	for _, p := range r.d.places {
		switch {
		case lad == "all" && p.ICB == icb:
			return p.ICBName
		case p.LAD == lad:
			return p.LADName
		}
	}
	if lad == "all" {
		return icb
	}
	return lad
}

func (r *report) services() []string {
	seen := map[string]bool{}
	for key := range r.d.history {
		if i := strings.LastIndexByte(key, '/'); i >= 0 {
			seen[key[i+1:]] = true
		}
	}
	return inServiceOrder(seen)
}

// inServiceOrder lists a set of services in the report's order, others by
// name after them.
func inServiceOrder(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b string) int {
		return cmp.Or(cmp.Compare(serviceOrder(a), serviceOrder(b)), strings.Compare(a, b))
	})
	return out
}

// addRegionSeries adds the region's series, "region//<service>": the sum
// of its ICBs' activity and of their forecasts' means. Intervals do not add
// up, so the region's forecast has none.
func (d *data) addRegionSeries() {
	type sums struct {
		events map[time.Time]int64
		mean   map[time.Time]float64
		model  string
	}
	by := map[string]*sums{}
	for key, hist := range d.history {
		level, svc := splitKey(key)
		if level != "icb" {
			continue
		}
		s := by[svc]
		if s == nil {
			s = &sums{events: map[time.Time]int64{}, mean: map[time.Time]float64{}}
			by[svc] = s
		}
		for _, p := range hist {
			s.events[p.Month] += p.Events
		}
		for _, f := range d.forecasts[key] {
			s.mean[f.Period] += f.Mean
			s.model = "sum of ICBs"
		}
	}
	for svc, s := range by {
		key := "region//" + svc
		for _, m := range slices.SortedFunc(maps.Keys(s.events), time.Time.Compare) {
			d.history[key] = append(d.history[key], point{Month: m, Events: s.events[m]})
		}
		nan := math.NaN()
		for _, m := range slices.SortedFunc(maps.Keys(s.mean), time.Time.Compare) {
			d.forecasts[key] = append(d.forecasts[key], forecastPoint{Model: s.model, Period: m, Mean: s.mean[m],
				Lo80: nan, Hi80: nan, Lo95: nan, Hi95: nan})
		}
	}
}

// splitKey returns the level and service of a series key.
func splitKey(key string) (level, service string) {
	level, rest, _ := strings.Cut(key, "/")
	return level, rest[strings.LastIndexByte(rest, '/')+1:]
}

func (r *report) nav() []link {
	var out []link
	for _, s := range r.icbs() {
		l := link{Href: s.file(), Text: s.name}
		for _, p := range r.placesOf(s.code) {
			l.Children = append(l.Children, link{Href: p.file(), Text: p.name})
		}
		out = append(out, l)
	}
	return out
}

func (r *report) pages() []*page {
	region := scope{level: "region", name: "Region"}
	out := []*page{{File: "index.html", Title: "Region", fill: func(p *page) error { return r.fill(p, region) }}}
	for _, s := range r.icbs() {
		all := append([]scope{s}, r.placesOf(s.code)...)
		for _, sc := range all {
			title := sc.name
			if sc.level == "icb" && !strings.Contains(sc.name, "Integrated Care Board") {
				title += " (ICB)"
			}
			out = append(out, &page{File: sc.file(), Title: title, fill: func(p *page) error { return r.fill(p, sc) }})
		}
	}
	return out
}

func (r *report) fill(p *page, sc scope) error {
	// What the run could not show comes first, then the key messages —
	// what a board reads before anything else —, then variation, activity
	// and forecasts, the scenarios, and the detail.
	if sc.level == "region" {
		if n, ok := r.noticeSection(); ok {
			p.Sections = append(p.Sections, n)
		}
	}
	p.Sections = append(p.Sections, r.keyMessagesSection(sc))
	if len(r.d.history) > 0 {
		variation, err := r.spcSection(sc)
		if err != nil {
			return err
		}
		act, err := r.activitySection(sc)
		if err != nil {
			return err
		}
		p.Sections = append(p.Sections, variation, act)
		if sec, ok, err := r.scenarioSection(sc); err != nil {
			return err
		} else if ok {
			p.Sections = append(p.Sections, sec)
		}
		ineq, err := r.inequalitiesSection(sc)
		if err != nil {
			return err
		}
		p.Sections = append(p.Sections, r.accuracySection(sc), r.indicatorsSection(sc), ineq)
	}
	if sc.level == "region" {
		p.Sections = append(p.Sections, r.governanceSection(), r.privacySection(), r.methodsSection())
	}
	return nil
}

// levelOrder sorts the rows of areas: the region, its ICBs, then places.
func levelOrder(level string) int {
	switch level {
	case "region":
		return 0
	case "icb":
		return 1
	}
	return 2
}

// seriesKey is the key of the series of an area and service.
func seriesKey(sc scope, service string) string { return sc.level + "/" + sc.code + "/" + service }

// summary is the published headline of one series.
type summary struct {
	model                    Cell
	last, next, lo80, hi80   Cell
	change                   Cell
	lastCells                []Cell
	nextMean, nextLo, nextHi float64
}

func (r *report) summarise(key string) summary {
	hist := r.d.history[key]
	recent := hist[max(len(hist)-horizon, 0):]
	cells := make([]Cell, len(recent))
	for i, p := range recent {
		cells[i] = r.dc.Count(p.Events)
	}
	// Totals of published months, as the months' table shows them.
	s := summary{last: r.dc.Total(cells), lastCells: cells, model: Text("–")}
	fc := r.d.forecasts[key]
	fc = fc[:min(len(fc), horizon)]
	if len(fc) > 0 {
		s.model = Text(fc[0].Model)
	}
	for _, f := range fc {
		s.nextMean += f.Mean
		s.nextLo += f.Lo80
		s.nextHi += f.Hi80
	}
	if len(fc) == 0 {
		s.nextMean, s.nextLo, s.nextHi = math.NaN(), math.NaN(), math.NaN()
	}
	s.next, s.lo80, s.hi80 = ModelledFigure(s.nextMean, 0), ModelledFigure(s.nextLo, 0), ModelledFigure(s.nextHi, 0)
	s.change = r.change(s.last, s.nextMean)
	if slices.ContainsFunc(cells, func(c Cell) bool { return c.Text == Suppressed }) {
		// The total leaves suppressed months out: no change against it.
		s.change = Cell{Text: Suppressed, Kind: Modelled, Value: math.NaN()}
	}
	return s
}

// change is the forecast's % change on a published count. It is computed
// from the published (rounded) count, never the true one, which a forecast
// and a precise % change would otherwise disclose; a suppressed count has
// no change.
func (r *report) change(last Cell, next float64) Cell {
	switch {
	case last.Text == Suppressed:
		return Cell{Text: Suppressed, Kind: Modelled, Value: math.NaN()}
	case !last.Shown() || last.Value == 0:
		return ModelledFigure(math.NaN(), 1)
	}
	return ModelledFigure((next/last.Value-1)*100, 1)
}

var summaryCols = []column{
	{"Area", "area", Label},
	{"Service", "service", Label},
	{"Model", "model", Label},
	{"Last 12 months", "events_last_12_months", Count},
	{"Next 12 months (forecast)", "forecast_next_12_months", Modelled},
	{"80 % range, low", "forecast_lo80", Modelled},
	{"80 % range, high", "forecast_hi80", Modelled},
	{"Change (%)", "change_pct", Modelled},
	{"Demographic baseline (next 12 months)", "demographic_baseline_next_12_months", Modelled},
}

const rangeNote = "The 80 % range of 12 months adds up the monthly 80 % limits, as if every month erred the same way: it is wider than an interval of the total. Change compares the forecast with the published (rounded) last 12 months. Totals add up published months and leave suppressed months out; where any month was suppressed, change is not shown. The demographic baseline — the NHS planning baseline — carries each age band's and sex's recent activity rates forward on the projected population, so that it moves only with the size and age of the population; it is shown for places."

func (r *report) activitySection(sc scope) (section, error) {
	sec := section{ID: "activity", Title: "Activity and forecasts"}
	t := &table{ID: sc.id() + "-summary", Caption: "Activity in the last 12 months and the forecast of the next 12, by service", Cols: summaryCols, Note: rangeNote}
	services := r.services()
	if sc.level == "region" {
		sec.Paras = []string{"Activity of the region's residents by Integrated Care Board (ICB) and service. The region's forecast is the sum of its ICBs' forecasts: its range in the table adds up theirs, and its charts show no interval, since intervals do not add up. Each ICB and place has its own page with its intervals."}
		sec.Paras = append(sec.Paras, r.exclusionParas()...)
		for _, svc := range services {
			rs := r.regionSummary(svc)
			t.Rows = append(t.Rows, []Cell{Text("Region"), Text(serviceName(svc)), Text("sum of ICBs"), rs.last,
				rs.next, ModelledFigure(rs.nextLo, 0), ModelledFigure(rs.nextHi, 0), rs.change, r.baseline("")})
			for _, s := range r.icbs() {
				key := seriesKey(s, svc)
				if _, ok := r.d.history[key]; !ok {
					continue
				}
				sm := r.summarise(key)
				t.Rows = append(t.Rows, []Cell{Text(s.name), Text(serviceName(svc)), sm.model, sm.last, sm.next, sm.lo80, sm.hi80, sm.change, r.baseline(key)})
			}
		}
		for _, svc := range services {
			key := seriesKey(sc, svc)
			if _, ok := r.d.history[key]; !ok {
				continue
			}
			figs, err := r.serviceFigures(sc, svc, r.summarise(key))
			if err != nil {
				return sec, err
			}
			sec.Blocks = append(sec.Blocks, block{ID: sc.id() + "-" + svc + "-forecast", Heading: serviceName(svc), Figures: figs})
		}
		sec.Blocks = append(sec.Blocks, block{Heading: "All services and ICBs", Table: t})
		return sec, nil
	}
	sec.Paras = []string{fmt.Sprintf("Monthly activity of %s's residents by service, with the forecast of the chosen model (by default the combination of ETS, ARIMA, Theta and seasonal naive, each weighted by how well it forecast the series' recent past) and its 80 %% and 95 %% intervals. Charts show the last %d months.", sc.name, chartHistory)}
	sec.Paras = append(sec.Paras, r.exclusionParas()...)
	for _, svc := range services {
		key := seriesKey(sc, svc)
		if _, ok := r.d.history[key]; !ok {
			continue
		}
		sm := r.summarise(key)
		t.Rows = append(t.Rows, []Cell{Text(sc.name), Text(serviceName(svc)), sm.model, sm.last, sm.next, sm.lo80, sm.hi80, sm.change, r.baseline(key)})
		figs, err := r.serviceFigures(sc, svc, sm)
		if err != nil {
			return sec, err
		}
		sec.Blocks = append(sec.Blocks, block{ID: sc.id() + "-" + svc + "-forecast", Heading: serviceName(svc), Figures: figs})
	}
	sec.Blocks = append(sec.Blocks, block{Heading: "All services", Table: t})
	return sec, nil
}

// baseline is the demographic baseline of the next 12 months of a series,
// a modelled figure; blank where the run has none (ICB and region series).
func (r *report) baseline(key string) Cell {
	v, ok := r.d.baseline[key]
	if !ok {
		return ModelledFigure(math.NaN(), 0)
	}
	return ModelledFigure(v, 0)
}

func (r *report) serviceFigures(sc scope, svc string, sm summary) ([]figure, error) {
	key := seriesKey(sc, svc)
	id := sc.id() + "-" + svc
	hist := r.d.history[key]
	hist = hist[max(len(hist)-chartHistory, 0):]
	fc := r.d.forecasts[key]
	fc = fc[:min(len(fc), horizon)]

	months := make([]time.Time, len(hist))
	cells := make([]Cell, len(hist))
	for i, p := range hist {
		months[i], cells[i] = p.Month, r.dc.Count(p.Events)
	}
	data := &table{ID: id + "-monthly", Caption: fmt.Sprintf("%s, %s: monthly activity and forecast", serviceName(svc), sc.name), Cols: []column{
		{"Month", "month", Label}, {"Activity", "events", Count}, {"Forecast", "forecast", Modelled},
		{"80 % low", "lo80", Modelled}, {"80 % high", "hi80", Modelled},
		{"95 % low", "lo95", Modelled}, {"95 % high", "hi95", Modelled},
	}}
	na := ModelledFigure(math.NaN(), 0)
	for i, m := range months {
		data.Rows = append(data.Rows, []Cell{Text(m.Format("2006-01")), cells[i], na, na, na, na, na})
	}
	for _, f := range fc {
		data.Rows = append(data.Rows, []Cell{Text(f.Period.Format("2006-01")), Text(""),
			ModelledFigure(f.Mean, 0), ModelledFigure(f.Lo80, 0), ModelledFigure(f.Hi80, 0),
			ModelledFigure(f.Lo95, 0), ModelledFigure(f.Hi95, 0)})
	}
	title := fmt.Sprintf("%s, %s", serviceName(svc), sc.name)
	p, err := forecastChart(title, months, cells, fc)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", key, err)
	}
	desc := fmt.Sprintf("Line chart of monthly %s", lowerFirst(serviceName(svc)))
	if len(months) > 0 {
		desc += fmt.Sprintf(" from %s to %s", months[0].Format("January 2006"), months[len(months)-1].Format("January 2006"))
	}
	if len(fc) > 0 {
		intervals := " with 80 % and 95 % intervals"
		if math.IsNaN(fc[0].Lo80) {
			intervals = ""
		}
		desc += fmt.Sprintf(", and the forecast (%s) to %s%s: %s in the next 12 months against %s in the last 12 (change %s %%)",
			fc[0].Model, fc[len(fc)-1].Period.Format("January 2006"), intervals, sm.next.Text, sm.last.Text, sm.change.Text)
	}
	desc += ". The numbers are in the table below the chart."
	svg, err := inlineSVG(p, id+"-chart", title+": history and forecast", desc)
	if err != nil {
		return nil, err
	}
	caption := "Monthly activity. Gaps: suppressed months."
	switch {
	case len(fc) > 0 && math.IsNaN(fc[0].Lo80):
		caption = "History and the sum of the ICBs' forecasts (dashed). Gaps: suppressed months."
	case len(fc) > 0:
		caption = "History and forecast (dashed). Shaded: 80 % (darker) and 95 % intervals. Gaps: suppressed months."
	}
	figs := []figure{{SVG: template.HTML(svg), Caption: caption, Data: data,
		Legend: forecastLegend(len(fc) > 0, len(fc) > 0 && !math.IsNaN(fc[0].Lo80))}}

	// Seasonal profile: mean of each calendar month over the series' last
	// whole years.
	years := seasonalYears(r.d.history[key])
	var sum [12]int64
	var n [12]int64
	for _, p := range years {
		sum[p.Month.Month()-1] += p.Events
		n[p.Month.Month()-1]++
	}
	means := make([]Cell, 12)
	span := "too few months"
	if len(years) > 0 {
		span = years[0].Month.Format("Jan 2006") + " to " + years[len(years)-1].Month.Format("Jan 2006")
	}
	prof := &table{ID: id + "-seasonal", Caption: fmt.Sprintf("%s, %s: mean activity by calendar month, %s", serviceName(svc), sc.name, span),
		Cols: []column{{"Month", "calendar_month", Label}, {"Mean per month", "mean_events", Count}}}
	for m := range 12 {
		if n[m] == 0 {
			means[m] = Cell{Text: notAvailable, Kind: Count, Value: math.NaN()}
		} else {
			// A mean of counts is published as a count: a mean of small
			// numbers is as disclosive as they are.
			means[m] = r.dc.Count(int64(math.Round(float64(sum[m]) / float64(n[m]))))
		}
		prof.Rows = append(prof.Rows, []Cell{Text(time.Month(m + 1).String()), means[m]})
	}
	sp, err := seasonalChart(title+": seasonal profile", means)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", key, err)
	}
	hi, lo := 0, 0
	for m := range means {
		if means[m].Value > means[hi].Value {
			hi = m
		}
		if means[m].Value < means[lo].Value {
			lo = m
		}
	}
	sdesc := fmt.Sprintf("Bar chart of mean monthly %s by calendar month: highest in %s, lowest in %s. The numbers are in the table below the chart.",
		lowerFirst(serviceName(svc)), time.Month(hi+1), time.Month(lo+1))
	svg, err = inlineSVG(sp, id+"-season", title+": seasonal profile", sdesc)
	if err != nil {
		return nil, err
	}
	figs = append(figs, figure{SVG: template.HTML(svg), Caption: "Seasonal profile: mean activity in each calendar month.", Data: prof,
		Legend: []legendItem{{"bar", "Mean activity in the calendar month, last whole years"}}})
	return figs, nil
}

// seasonalYears is the part of a monthly series the seasonal profile
// averages: its last whole years, so that every calendar month is the mean
// of the same number of months — all whole months, as the series are —
// and a trend does not tilt the months seen once more than others.
func seasonalYears(hist []point) []point {
	return hist[len(hist)%12:]
}

// nullFigure publishes a nullable modelled figure times scale.
func nullFigure(v dbsql.NullFloat64, scale float64, decimals int) Cell {
	if !v.Valid {
		return ModelledFigure(math.NaN(), decimals)
	}
	return ModelledFigure(v.Float64*scale, decimals)
}

func (r *report) accuracySection(sc scope) section {
	sec := section{ID: "accuracy", Title: "Forecast accuracy"}
	if slices.Contains(r.d.missing, "forecasts") {
		sec.Paras = append(sec.Paras, "This run has no forecasts: the forecasting stage was off.")
	}
	sec.Paras = append(sec.Paras, "Backtests refit each model at several earlier origins and score its forecasts of the months that followed. MASE below 1 means the model beat a seasonal naive forecast; coverage is the share of months that fell inside the interval (80 % and 95 % are ideal).")
	t := &table{ID: sc.id() + "-accuracy", Caption: "Backtest accuracy of the chosen model, monthly series", Cols: []column{
		{"Area", "area", Label}, {"Service", "service", Label}, {"Model", "model", Label},
		{"Backtest origins", "backtest_origins", Modelled}, {"MASE", "mase", Modelled}, {"sMAPE (%)", "smape_pct", Modelled},
		{"80 % coverage (%)", "coverage80_pct", Modelled}, {"95 % coverage (%)", "coverage95_pct", Modelled},
	}}
	acc := slices.Clone(r.d.accuracy)
	slices.SortStableFunc(acc, func(a, b accuracy) int {
		return cmp.Or(cmp.Compare(levelOrder(a.Level), levelOrder(b.Level)), strings.Compare(a.ICB, b.ICB), strings.Compare(a.LAD, b.LAD),
			cmp.Compare(serviceOrder(a.Service), serviceOrder(b.Service)))
	})
	for _, a := range acc {
		if !r.showSeries(sc, a.Level, a.ICB, a.LAD) {
			continue
		}
		t.Rows = append(t.Rows, []Cell{Text(r.areaName(a.ICB, a.LAD)), Text(serviceName(a.Service)), Text(a.Model),
			ModelledFigure(float64(a.Origins), 0), nullFigure(a.MASE, 1, 2), nullFigure(a.SMAPE, 1, 1),
			nullFigure(a.Coverage80, 100, 0), nullFigure(a.Coverage95, 100, 0)})
	}
	sec.Blocks = append(sec.Blocks, block{Heading: "Backtests", Table: t})

	track := block{Heading: "Forecast tracking"}
	if r.d.earlier == 0 {
		track.Paras = []string{"No earlier runs are in the warehouse yet: once they are, their forecasts are compared here with what then happened."}
	} else {
		tt := &table{ID: sc.id() + "-tracking", Caption: "Earlier runs' forecasts against the months since observed", Cols: []column{
			{"Earlier run", "run_id", Label}, {"Area", "area", Label}, {"Service", "service", Label},
			{"Months compared", "months_compared", Label}, {"Activity", "events", Count}, {"Forecast", "forecast", Modelled},
			{"MAPE (%)", "mape_pct", Modelled}, {"Months inside 80 % interval (%)", "coverage80_pct", Modelled},
		}}
		for _, x := range r.d.tracking {
			if !r.showSeries(sc, x.Level, x.ICB, x.LAD) {
				continue
			}
			actual, forecast, mape, cov := r.trackingScores(x.Months)
			tt.Rows = append(tt.Rows, []Cell{Text(x.RunID), Text(r.areaName(x.ICB, x.LAD)), Text(serviceName(x.Service)),
				Text(fmt.Sprint(len(x.Months))), actual, ModelledFigure(forecast, 0), mape, cov})
		}
		track.Paras = []string{fmt.Sprintf("%d earlier run(s) in the warehouse had forecasts of months now observed. "+
			"Activity, error and coverage are scored on the monthly counts as published — suppressed and rounded — over the months shown.", r.d.earlier)}
		track.Table = tt
	}
	sec.Blocks = append(sec.Blocks, track)
	return sec
}

// showSeries reports whether a page shows a series' row: the region page
// shows ICBs, an ICB page the ICB and its places, a place page the place.
func (r *report) showSeries(sc scope, level, icb, lad string) bool {
	switch sc.level {
	case "region":
		return level == "icb"
	case "icb":
		return icb == sc.code
	}
	return level == "place" && lad == sc.code
}

func (r *report) indicatorsSection(sc scope) section {
	sec := section{ID: "indicators", Title: "Partnership indicators"}
	sec.Paras = []string{"Measures only a shared care record can give: activity joined up across providers and settings for the same (pseudonymised) person."}

	dup := &table{ID: sc.id() + "-duplicate-tests", Caption: "Diagnostic tests repeated at a different provider within 30 days, last 12 months", Cols: []column{
		{"Area", "area", Label}, {"Tests", "tests", Count}, {"Repeated elsewhere", "duplicate_tests", Count}, {"Repeated (%)", "duplicate_pct", Rate},
	}}
	for _, x := range r.d.duplicates {
		if sc.has(x.ICB, x.LAD) || (sc.level == "place" && x.Level == "icb" && r.icbOf(sc.code) == x.ICB) {
			dup.Rows = append(dup.Rows, []Cell{Text(r.areaName(x.ICB, x.LAD)), r.dc.Count(x.Tests), r.dc.Count(x.DuplicateTests),
				r.dc.Rate(x.DuplicateTests, x.Tests, 100)})
		}
	}
	care := &table{ID: sc.id() + "-care-transitions", Caption: "Care transitions: last 12 months (frequent attenders: latest 12-month window)", Cols: []column{
		{"Area", "area", Label}, {"Measure", "measure", Label}, {"Numerator", "numerator", Count}, {"Denominator", "denominator", Count}, {"Rate (%)", "pct", Rate},
	}}
	for _, x := range r.d.care {
		if sc.has(x.ICB, x.LAD) || (sc.level == "place" && x.Level == "icb" && r.icbOf(sc.code) == x.ICB) {
			name := measureNames[x.Measure]
			if name == "" {
				name = humanise(x.Measure)
			}
			care.Rows = append(care.Rows, []Cell{Text(r.areaName(x.ICB, x.LAD)), Text(name), r.dc.Count(x.Numerator), r.dc.Count(x.Denominator),
				r.dc.Rate(x.Numerator, x.Denominator, 100)})
		}
	}
	year := ""
	if len(r.d.rates) > 0 {
		year = fmt.Sprint(r.d.rates[0].Year)
	}
	rates := &table{ID: sc.id() + "-rates", Caption: "Activity per 1,000 residents, " + year + ": crude and directly standardised to the 2013 European Standard Population", Cols: []column{
		{"Area", "area", Label}, {"Service", "service", Label}, {"Events", "events", Count}, {"Population (estimate)", "population", Modelled},
		{"Crude per 1,000", "crude_per_1000", Rate}, {"DSR per 1,000", "dsr_per_1000", Rate}, {"DSR 95 % low", "dsr_lo95", Rate}, {"DSR 95 % high", "dsr_hi95", Rate},
	}}
	rs := slices.Clone(r.d.rates)
	slices.SortStableFunc(rs, func(a, b rate) int {
		return cmp.Or(cmp.Compare(levelOrder(a.Level), levelOrder(b.Level)), strings.Compare(a.ICB, b.ICB), strings.Compare(a.LAD, b.LAD),
			cmp.Compare(serviceOrder(a.Service), serviceOrder(b.Service)))
	})
	for _, x := range rs {
		if !sc.has(x.ICB, x.LAD) && !(sc.level == "place" && x.Level == "icb" && r.icbOf(sc.code) == x.ICB) {
			continue
		}
		rc := func(v dbsql.NullFloat64) Cell { return r.dc.modelRate(x.Events, v) }
		rates.Rows = append(rates.Rows, []Cell{Text(r.areaName(x.ICB, x.LAD)), Text(serviceName(x.Service)), r.dc.Count(x.Events),
			ModelledFigure(x.Population, 0), r.dc.crudeRate(x.Events, x.Population), rc(x.DSR), rc(x.DSRLo), rc(x.DSRHi)})
	}
	sec.Blocks = []block{
		{Heading: "Duplicate tests across providers", Table: dup},
		{Heading: "Care transitions", Table: care},
		{Heading: "Rates per 1,000 residents", Table: rates},
	}
	return sec
}

func (r *report) icbOf(lad string) string {
	for _, p := range r.d.places {
		if p.LAD == lad {
			return p.ICB
		}
	}
	return ""
}

func (r *report) governanceSection() section {
	sec := section{ID: "governance", Title: "Data quality and governance"}
	m := r.d.manifest
	if m.LegalBasis != "" {
		sec.Paras = append(sec.Paras, "National data opt-outs were not applied to this run. Legal basis recorded: "+m.LegalBasis+".")
	} else {
		sec.Paras = append(sec.Paras, "National data opt-outs and GP Type 1 objections were applied before anything was written: the people and records removed are counted below.")
	}
	feeds := &table{ID: "feeds", Caption: "Records by feed", Cols: []column{
		{"Feed", "feed", Label}, {"Entity", "entity", Label}, {"Read", "read", Count}, {"Quarantined", "quarantined", Count},
		{"Removed by opt-outs", "opted_out", Count}, {"Written", "written", Count},
	}}
	for _, x := range r.d.feeds {
		feeds.Rows = append(feeds.Rows, []Cell{Text(x.Feed), Text(x.Entity), r.dc.Count(x.Read), r.dc.Count(x.Quarantined), r.dc.Count(x.OptedOut), r.dc.Count(x.Written)})
	}
	q := &table{ID: "quarantine", Caption: "Records quarantined, by reason", Cols: []column{
		{"Feed", "feed", Label}, {"Entity", "entity", Label}, {"Reason", "reason", Label}, {"Field", "field", Label}, {"Records", "records", Count},
	}, Note: "Quarantined records are kept out of every table; the quarantine holds where and why, never the values."}
	for _, x := range r.d.quarantine {
		q.Rows = append(q.Rows, []Cell{Text(x.Feed), Text(x.Entity), Text(humanise(x.Reason)), Text(x.Field), r.dc.Count(x.Records)})
	}
	o := &table{ID: "optouts", Caption: "Opt-outs applied, by reason", Cols: []column{
		{"Reason", "reason", Label}, {"Feed", "feed", Label}, {"People removed", "people", Count}, {"Records removed", "records", Count},
	}}
	for _, x := range r.d.optouts {
		o.Rows = append(o.Rows, []Cell{Text(humanise(x.Reason)), Text(x.Feed), r.dc.Count(x.People), r.dc.Count(x.Records)})
	}
	sec.Blocks = []block{{Heading: "Feeds", Table: feeds}, {Heading: "Quarantine", Table: q}, r.skippedBlock(), {Heading: "Opt-outs", Table: o}}
	return sec
}

func (r *report) methodsSection() section {
	m := r.d.manifest
	sec := section{ID: "methods", Title: "Methods and provenance"}
	sec.Paras = []string{
		"Activity is counted by month of event for residents of each place, from the pseudonymised extracts of this run; only whole months enter the series, the charts and the seasonal profiles: a month the feeds did not cover from its first day to its last is left out. " + methodText(r.chosenModels()),
		fmt.Sprintf("Disclosure control: counts of 1 to %d are shown as *; other counts are rounded to the nearest %d; totals add up the rounded values (suppressed cells add nothing, and a total of only suppressed cells is suppressed); rates and percentages are computed from rounded counts and suppressed with their counts. Forecasts, intervals, accuracy measures and population estimates are modelled figures and are not rounded; in the CSV files their columns are named modelled_* and rates rate_*.", r.opts.SuppressMax, r.opts.RoundTo),
	}
	demo := "no"
	if m.Demo {
		demo = "yes: the embedded synthetic region and published demo key"
	}
	prov := &table{ID: "provenance", Caption: "Run provenance", Cols: []column{{"Item", "item", Label}, {"Value", "value", Label}}}
	for _, kv := range [][2]string{
		{"Run id", m.RunID}, {"Job", m.Job}, {"Business date", m.BusinessDate}, {"Config hash", m.ConfigHash},
		{"Pseudonymisation key id", m.KeyID}, {"Software version", m.SoftwareVersion}, {"Demo", demo},
	} {
		prov.Rows = append(prov.Rows, []Cell{Text(kv[0]), Text(kv[1])})
	}
	// Inputs are named by feed and ordinal: a file's name may carry a
	// patient's name or NHS number.
	in := &table{ID: "inputs", Caption: "Input files (feed#n: the n-th file of the feed's folder, sorted by name)", Cols: []column{{"Input", "input", Label}, {"Size (bytes)", "size_bytes", Label}, {"SHA-256", "sha256", Label}}}
	for _, f := range m.Inputs {
		in.Rows = append(in.Rows, []Cell{Text(f.Input), Text(fmt.Sprint(f.Size)), Text(f.SHA256)})
	}
	sec.Blocks = []block{{Table: prov}, {Table: in, Links: []link{{Href: "forecasts.csv", Text: "All forecasts, machine-readable (CSV)"}}}}
	return sec
}

// chosenModels lists the models whose forecasts the run publishes (the
// region's sums aside), sorted.
func (r *report) chosenModels() []string {
	seen := map[string]bool{}
	for key, fc := range r.d.forecasts {
		if level, _ := splitKey(key); level != "region" && len(fc) > 0 {
			seen[fc[0].Model] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// modelNames are the forecast models as the methods text names them.
var modelNames = map[string]string{
	"combination": "the combination — the ETS, ARIMA, Theta and seasonal naive forecasts (ARIMA once there are three years of data), each weighted by the inverse of its error in forecasting the series' last months",
	"ets":         "exponential smoothing (ETS, its forms averaged by their AICc weights)",
	"arima":       "ARIMA (the orders chosen by AICc)",
	"damped":      "damped-trend exponential smoothing (ETS)",
	"theta":       "the Theta method",
	"snaive":      "seasonal naive (the same month a year before)",
	"naive":       "naive (the last month carried forward)",
	"stl":         "a Fourier seasonal decomposition with ETS",
}

// methodText says how the published forecasts were made, from the models
// the run actually chose: with forecast.method auto, every series' forecast
// is the combination — auto never picks a model by its backtest.
func methodText(models []string) string {
	if len(models) == 0 {
		return "This run has no forecasts."
	}
	var names []string
	for _, m := range models {
		names = append(names, cmp.Or(modelNames[m], m))
	}
	text := "Forecasts: every monthly series is forecast by " + strings.Join(names, "; or ") + "."
	if slices.Equal(models, []string{"combination"}) {
		text += " This is what forecast.method auto (the default) does for every series: it always combines, and does not pick a model by its backtest — in carecast's benchmarks (tourism and NHS England A&E series) the combination was more accurate than any single model and than choosing each series' best backtest."
	}
	return text + " ETS, ARIMA, Theta and seasonal naive are backtested beside it on rolling origins, and their scores are in forecast_accuracy; the demographic baseline (activity rates by age band and sex times the projected population) is shown beside the forecast and never chosen. Every model allows for the calendar: a month's length and its working days (weekdays that are not bank holidays in England and Wales), which change from year to year, where they explain the series. Intervals are the prediction intervals of the forecast shown (for the combination, the limits of the weighted mixture of its members' forecast distributions, which widen where the members disagree)."
}

// forecastsTable is the machine-readable forecasts.csv: every chosen
// monthly forecast, all steps.
func (r *report) forecastsTable() *table {
	t := &table{ID: "forecasts", Cols: []column{
		{"", "series_key", Label}, {"", "level", Label}, {"", "icb_code", Label}, {"", "lad_code", Label}, {"", "service", Label},
		{"", "model", Label}, {"", "period", Label}, {"", "mean", Modelled}, {"", "lo80", Modelled}, {"", "hi80", Modelled},
		{"", "lo95", Modelled}, {"", "hi95", Modelled},
	}}
	keys := make([]string, 0, len(r.d.forecasts))
	for k := range r.d.forecasts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		parts := strings.SplitN(k, "/", 3)
		if len(parts) != 3 || parts[0] == "region" {
			continue // the region's sums are not a model's forecasts
		}
		icb, lad := parts[1], "all"
		if parts[0] == "place" {
			icb, lad = r.icbOf(parts[1]), parts[1]
		}
		for _, f := range r.d.forecasts[k] {
			t.Rows = append(t.Rows, []Cell{Text(k), Text(parts[0]), Text(icb), Text(lad), Text(parts[2]), Text(f.Model), Text(f.Period.Format("2006-01-02")),
				ModelledFigure(f.Mean, 2), ModelledFigure(f.Lo80, 2), ModelledFigure(f.Hi80, 2), ModelledFigure(f.Lo95, 2), ModelledFigure(f.Hi95, 2)})
		}
	}
	return t
}

// trackingScores scores an earlier forecast against the months observed
// since, from the counts as published: each month's count suppressed and
// rounded, the total the sum of those, the error (MAPE) and the 80 %
// coverage over the months shown. Scored on the true counts, an error
// beside the published forecast would let a reader solve for a suppressed
// month or undo the rounding (issue 14). With no month shown, or the total
// hidden, nothing is scored.
func (r *report) trackingScores(months []trackedMonth) (actual Cell, forecast float64, mape, cov80 Cell) {
	cells := make([]Cell, len(months))
	var errSum, inside float64
	var shown, nonzero int
	for i, m := range months {
		cells[i] = r.dc.Count(m.Events)
		forecast += m.Mean
		if !cells[i].Shown() {
			continue
		}
		v := cells[i].Value
		shown++
		if v > 0 {
			nonzero++
			errSum += math.Abs(m.Mean-v) / v
		}
		if v >= m.Lo80 && v <= m.Hi80 {
			inside++
		}
	}
	actual = r.dc.Total(cells)
	hidden := Cell{Text: Suppressed, Kind: Modelled, Value: math.NaN()}
	mape, cov80 = hidden, hidden
	if !actual.Shown() || shown == 0 {
		return actual, forecast, mape, cov80
	}
	if nonzero > 0 {
		mape = ModelledFigure(100*errSum/float64(nonzero), 1)
	} else {
		mape = ModelledFigure(math.NaN(), 1)
	}
	return actual, forecast, mape, ModelledFigure(100*inside/float64(shown), 0)
}
