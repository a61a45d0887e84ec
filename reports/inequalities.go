package reports

import (
	dbsql "database/sql"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// imdRate is one row of activity_rates_imd (docs/data.md).
type imdRate struct {
	Year                     int64
	Level, ICB, LAD, Service string
	Breakdown, Group         string
	Events                   int64
	Population               float64
	Denominator              string
	DSR, DSRLo, DSRHi        dbsql.NullFloat64
	SII, SIILo, SIIHi        dbsql.NullFloat64
	RII, RIILo, RIIHi        dbsql.NullFloat64
	Gap, GapLo, GapHi        dbsql.NullFloat64
}

// imdGroupNames name the groups of activity_rates_imd as the report shows
// them.
var imdGroupNames = map[string]string{
	"1": "Quintile 1 (most deprived)", "2": "Quintile 2", "3": "Quintile 3", "4": "Quintile 4",
	"5": "Quintile 5 (least deprived)", "core20": "Core20 (IMD deciles 1–2)", "other": "Rest of the area (deciles 3–10)",
}

var denominatorNotes = map[string]string{
	"ons_lsoa_mid2020":   "Denominators: ONS mid-2020 population estimates of the area's LSOAs, carried to the year by the population model's growth of their place by age band.",
	"registered_persons": "Denominators: the run's registered population — the people in the partnership's feeds alive on 30 June of the year, by the LSOA and age they had then — since ONS LSOA estimates are not embedded for this region. Rates are of people known to the feeds, not of all residents.",
}

const inequalityMethod = "Each person's LSOA (2021) of residence takes its national decile of the English Indices of Deprivation 2025 (MHCLG); quintile 1 holds the most deprived fifth of England's LSOAs, and Core20 — NHS England's Core20PLUS5 — the most deprived 20 % (deciles 1–2). Rates are directly standardised to the 2013 European Standard Population, with 95 % limits by Dobson's method (crude rates: Byar's). The slope index of inequality (SII) is the gap in standardised rate between the most and least deprived ends of the area, from a regression of the quintiles' rates on their position in the area's population ranked by deprivation (the midpoint of each quintile's cumulative share), weighted by population; positive means more activity where people are more deprived. The relative index (RII) is the SII over the area's mean rate. Their 95 % limits treat the quintiles' rates as independent (RII by the delta method). The Core20 gap is the Core20 rate minus the rest's. Rates, indices and gaps derived from a suppressed count are suppressed."

// inequalitiesSection shows, for the area of a page, the latest complete
// year's activity rates by deprivation quintile — a chart and a table for
// each service —, the Core20 gap and the indices of inequality.
func (r *report) inequalitiesSection(sc scope) (section, error) {
	sec := section{ID: "inequalities", Title: "Inequalities"}
	rows, byService, services := r.imdOf(sc)
	if len(rows) == 0 {
		if slices.Contains(r.d.missing, "activity_rates_imd") {
			sec.Paras = []string{"This run has no rates by deprivation (activity_rates_imd): it was built by an earlier version of carecast."}
		} else {
			sec.Paras = []string{"No activity by deprivation for this area in a complete calendar year yet."}
		}
		return sec, nil
	}
	year := rows[0].Year
	sec.Paras = []string{
		fmt.Sprintf("Activity of %s's residents per 1,000 people in %d by the deprivation of the neighbourhood they live in.", sc.nameOr("the region"), year),
		inequalityMethod,
	}
	if note := denominatorNotes[rows[0].Denominator]; note != "" {
		sec.Paras = append(sec.Paras, note)
	}
	summary := &table{ID: sc.id() + "-inequality", Caption: fmt.Sprintf("Inequality by deprivation, %d: slope and relative indices of inequality and the Core20 gap, standardised rates per 1,000", year),
		Cols: []column{
			{"Service", "service", Label},
			{"SII per 1,000", "sii_per_1000", Rate}, {"SII 95 % low", "sii_lo95", Rate}, {"SII 95 % high", "sii_hi95", Rate},
			{"RII", "rii", Rate}, {"RII 95 % low", "rii_lo95", Rate}, {"RII 95 % high", "rii_hi95", Rate},
			{"Core20 gap per 1,000", "core20_gap_per_1000", Rate}, {"Gap 95 % low", "core20_gap_lo95", Rate}, {"Gap 95 % high", "core20_gap_hi95", Rate},
		}, Note: denominatorNotes[rows[0].Denominator]}
	var blocks []block
	for _, svc := range services {
		xs := byService[svc]
		quint, core := r.imdHidden(xs)
		first := xs[0]
		summary.Rows = append(summary.Rows, []Cell{Text(serviceName(svc)),
			r.derived(quint, first.SII, 1), r.derived(quint, first.SIILo, 1), r.derived(quint, first.SIIHi, 1),
			r.derived(quint, first.RII, 2), r.derived(quint, first.RIILo, 2), r.derived(quint, first.RIIHi, 2),
			r.derived(core, first.Gap, 1), r.derived(core, first.GapLo, 1), r.derived(core, first.GapHi, 1)})
		fig, err := r.imdFigure(sc, svc, year, xs)
		if err != nil {
			return sec, err
		}
		blocks = append(blocks, block{ID: imdAnchor(sc, svc), Heading: serviceName(svc), Figures: []figure{fig}})
	}
	sec.Blocks = append([]block{{Heading: "Summary", Table: summary}}, blocks...)
	return sec, nil
}

// imdOf returns the rows of activity_rates_imd of the page's own area, the
// same by service, and its services in the report's order.
func (r *report) imdOf(sc scope) (rows []imdRate, byService map[string][]imdRate, services []string) {
	byService = map[string][]imdRate{}
	seen := map[string]bool{}
	for _, x := range r.d.imd {
		if r.inArea(sc, x.Level, x.ICB, x.LAD) {
			rows = append(rows, x)
			byService[x.Service] = append(byService[x.Service], x)
			seen[x.Service] = true
		}
	}
	return rows, byService, inServiceOrder(seen)
}

// imdAnchor is the anchor of a service's block in the inequalities
// section, the evidence of its key message.
func imdAnchor(sc scope, svc string) string { return sc.id() + "-" + svc + "-imd" }

// inArea reports whether a row of an area-level model is the page's own
// area: the region's row, an ICB's or a place's.
func (r *report) inArea(sc scope, level, icb, lad string) bool {
	switch sc.level {
	case "region":
		return level == "region"
	case "icb":
		return level == "icb" && icb == sc.code
	}
	return level == "place" && lad == sc.code
}

// nameOr is the scope's name, or fallback for the region page.
func (s scope) nameOr(fallback string) string {
	if s.level == "region" || s.name == "" {
		return fallback
	}
	return s.name
}

// imdHidden reports whether any quintile's count, or the Core20 or rest's,
// is suppressed: what is derived from them is then suppressed too.
func (r *report) imdHidden(xs []imdRate) (quintile, core20 bool) {
	for _, x := range xs {
		if r.dc.suppress(x.Events) {
			if x.Breakdown == "quintile" {
				quintile = true
			} else {
				core20 = true
			}
		}
	}
	return quintile, core20
}

// derived publishes a figure derived from several counts: suppressed when
// any of them is, not available when it has no value.
func (r *report) derived(hidden bool, v dbsql.NullFloat64, decimals int) Cell {
	if hidden {
		return Cell{Text: Suppressed, Kind: Rate, Value: math.NaN()}
	}
	if !v.Valid {
		v.Float64 = math.NaN()
	}
	return r.dc.RateOf(0, 0, v.Float64, decimals)
}

// imdFigure is one service's chart of standardised rates by quintile with
// their 95 % intervals, and its table, Core20 and the rest included.
func (r *report) imdFigure(sc scope, svc string, year int64, xs []imdRate) (figure, error) {
	id := sc.id() + "-imd-" + svc
	data := &table{ID: id, Caption: fmt.Sprintf("%s, %s, %d: activity per 1,000 by deprivation", serviceName(svc), sc.nameOr("region"), year),
		Cols: []column{
			{"Group", "imd_group", Label}, {"Events", "events", Count}, {"Population", "population", Modelled},
			{"Crude per 1,000", "crude_per_1000", Rate}, {"DSR per 1,000", "dsr_per_1000", Rate},
			{"DSR 95 % low", "dsr_lo95", Rate}, {"DSR 95 % high", "dsr_hi95", Rate},
		}}
	var pts []imdPoint
	for _, x := range xs {
		// As in the rates table: the crude rate from the published count.
		crude := r.dc.crudeRate(x.Events, x.Population)
		dsr, lo, hi := r.dc.modelRate(x.Events, x.DSR), r.dc.modelRate(x.Events, x.DSRLo), r.dc.modelRate(x.Events, x.DSRHi)
		name := imdGroupNames[x.Group]
		if name == "" {
			name = x.Group
		}
		data.Rows = append(data.Rows, []Cell{Text(name), r.dc.Count(x.Events), ModelledFigure(x.Population, 0), crude, dsr, lo, hi})
		if x.Breakdown == "quintile" && dsr.Shown() {
			q := float64(x.Group[0] - '0')
			pts = append(pts, imdPoint{x: q, y: dsr.Value, lo: lo.Value, hi: hi.Value})
		}
	}
	title := fmt.Sprintf("%s, %s: rate by deprivation", serviceName(svc), sc.nameOr("region"))
	p, err := imdChart(title, pts)
	if err != nil {
		return figure{}, fmt.Errorf("chart %s: %w", id, err)
	}
	desc := fmt.Sprintf("Chart of the directly standardised rate of %s per 1,000 in %d in each deprivation quintile, 1 the most deprived, with 95 %% intervals", lowerFirst(serviceName(svc)), year)
	if len(pts) >= 2 {
		desc += fmt.Sprintf(": %.1f in the most deprived quintile shown against %.1f in the least deprived", pts[0].y, pts[len(pts)-1].y)
	}
	desc += ". Suppressed quintiles are left out. The numbers are in the table below the chart."
	svg, err := inlineSVG(p, id+"-chart", title, desc)
	if err != nil {
		return figure{}, err
	}
	return figure{SVG: template.HTML(svg), Caption: "Standardised rate per 1,000 by IMD quintile (1 most deprived), with 95 % intervals. Gaps: suppressed quintiles.", Data: data}, nil
}

// imdPoint is a quintile's rate and its interval.
type imdPoint struct{ x, y, lo, hi float64 }

// imdErrors gives plotter the points and their asymmetric intervals.
type imdErrors []imdPoint

func (e imdErrors) Len() int                    { return len(e) }
func (e imdErrors) XY(i int) (float64, float64) { return e[i].x, e[i].y }
func (e imdErrors) YError(i int) (float64, float64) {
	lo, hi := e[i].y-e[i].lo, e[i].hi-e[i].y
	if math.IsNaN(lo) {
		lo = 0
	}
	if math.IsNaN(hi) {
		hi = 0
	}
	return lo, hi
}

// imdChart draws standardised rates by quintile as points with their 95 %
// intervals.
func imdChart(title string, pts []imdPoint) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "per 1,000 (standardised)"
	p.X.Label.Text = "IMD 2025 quintile (1 most deprived)"
	p.Add(plotter.NewGrid())
	p.X.Min, p.X.Max = 0.5, 5.5
	p.Y.Min = 0
	p.NominalX("", "1", "2", "3", "4", "5")
	if len(pts) > 0 {
		bars, err := plotter.NewYErrorBars(imdErrors(pts))
		if err != nil {
			return nil, err
		}
		bars.Color, bars.Width, bars.CapWidth = nhsDarkBlue, vg.Points(1.2), vg.Points(6)
		sc, err := plotter.NewScatter(imdErrors(pts))
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle.Color, sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = nhsBlue, vg.Points(4), draw.CircleGlyph{}
		p.Add(bars, sc)
	}
	// A rate of zero events has no upper limit (NaN), and NaN axis limits
	// would never finish tick labelling: the top is the highest number
	// shown, or 1 when there is none.
	ymax := 0.0
	for _, q := range pts {
		for _, v := range []float64{q.y, q.hi} {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				ymax = math.Max(ymax, v)
			}
		}
	}
	p.Y.Max = 1
	if ymax > 0 {
		p.Y.Max = ymax * 1.15
	}
	return p, nil
}

// inequalityMessages: the service whose Core20 residents' standardised
// rate differs most, relative to the rest's, from the rest of the area's,
// where the gap is beyond chance and the slope index of inequality, where
// it can be published, does not run the other way; else, when services
// could be assessed, one sentence saying that none differs beyond chance.
// Beyond chance allows for the services compared (Bonferroni): with eight
// services and no gradient at all, one 95 % interval in three would
// exclude zero somewhere, and the sentence picks the most extreme. Never
// from a suppressed count (a rate, gap or index derived from one is
// suppressed), nor from a service with fewer than minMessageCount events
// in the area's year, whose rates are too unstable for a sentence.
func inequalityMessages(r *report, sc scope) []keyMessage {
	rows, byService, services := r.imdOf(sc)
	if len(rows) == 0 {
		return nil
	}
	year := rows[0].Year
	type candidate struct {
		svc         string
		core, other imdRate
		ratio       float64
		siiShown    bool
	}
	var found []candidate
	assessed := 0
	for _, svc := range services {
		xs := byService[svc]
		quintHidden, coreHidden := r.imdHidden(xs)
		if coreHidden {
			continue
		}
		var core, other imdRate
		for _, x := range xs {
			if x.Breakdown == "core20" && x.Group == "core20" {
				core = x
			} else if x.Breakdown == "core20" && x.Group == "other" {
				other = x
			}
		}
		if core.Events == 0 || other.Events == 0 || core.Events+other.Events < minMessageCount ||
			!core.DSR.Valid || !other.DSR.Valid || other.DSR.Float64 <= 0 ||
			!core.Gap.Valid || !core.GapLo.Valid || !core.GapHi.Valid {
			continue
		}
		assessed++
		c := candidate{svc: svc, core: core, other: other, ratio: core.DSR.Float64 / other.DSR.Float64,
			siiShown: !quintHidden && core.SII.Valid && core.SIILo.Valid && core.SIIHi.Valid}
		if c.siiShown && core.SII.Float64*core.Gap.Float64 < 0 {
			// The gradient across the quintiles runs the other way:
			// the evidence disagrees, and makes no sentence.
			continue
		}
		found = append(found, c)
	}
	// The gap's 95 % limits are gap ± z95 se (activity_rates_imd.sql);
	// widen them to a 95 % family-wise level over the services assessed.
	const z95 = 1.959963984540054
	z := z95
	if assessed > 1 {
		z = distuv.UnitNormal.Quantile(1 - 0.025/float64(assessed))
	}
	var best *candidate
	for i, c := range found {
		se := (c.core.GapHi.Float64 - c.core.GapLo.Float64) / (2 * z95)
		if math.Abs(c.core.Gap.Float64) <= z*se {
			continue
		}
		if best == nil || math.Abs(math.Log(c.ratio)) > math.Abs(math.Log(best.ratio)) {
			best = &found[i]
		}
	}
	area := sc.nameOr("the region")
	if best == nil {
		if assessed == 0 {
			return nil
		}
		text := fmt.Sprintf("In %d, for none of the %d services assessed did %s's residents of the most deprived fifth of England's neighbourhoods (Core20) have an age-standardised rate different from the rest's beyond chance (95 %% intervals, widened to allow for the %d services compared).",
			year, assessed, area, assessed)
		if assessed == 1 {
			text = fmt.Sprintf("In %d, %s's residents of the most deprived fifth of England's neighbourhoods (Core20) did not have an age-standardised rate of %s different from the rest's beyond chance: the gap's 95 %% interval includes zero.",
				year, area, lowerFirst(serviceName(found[0].svc)))
		}
		return []keyMessage{{
			Text: text,
			Href: "#" + sc.id() + "-inequality", LinkText: "Evidence: inequality by deprivation", weight: 4,
		}}
	}
	rate := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	var compared string
	switch {
	case best.ratio >= 1.2:
		compared = fmt.Sprintf("%s times the rate", strconv.FormatFloat(best.ratio, 'f', 1, 64))
	case best.ratio > 1:
		compared = fmt.Sprintf("a rate %.0f %% higher than that", (best.ratio-1)*100)
	default:
		compared = fmt.Sprintf("a rate %.0f %% lower than that", (1-best.ratio)*100)
	}
	text := fmt.Sprintf("In %d, %s's residents of the most deprived fifth of England's neighbourhoods (Core20) had %s of the rest for %s: %s against %s per 1,000, age-standardised (gap %s, 95 %% CI %s to %s).",
		year, area, compared, lowerFirst(serviceName(best.svc)), rate(best.core.DSR.Float64), rate(best.other.DSR.Float64),
		rate(best.core.Gap.Float64), rate(best.core.GapLo.Float64), rate(best.core.GapHi.Float64))
	if best.siiShown {
		text += fmt.Sprintf(" The slope index of inequality across the quintiles is %s per 1,000 (95 %% CI %s to %s).",
			rate(best.core.SII.Float64), rate(best.core.SIILo.Float64), rate(best.core.SIIHi.Float64))
	}
	if assessed > 1 {
		text += fmt.Sprintf(" This gap is beyond chance allowing for the %d services compared.", assessed)
	}
	return []keyMessage{{Text: text, Href: "#" + imdAnchor(sc, best.svc),
		LinkText: "Evidence: " + lowerFirst(serviceName(best.svc)) + " by deprivation", weight: 18}}
}
