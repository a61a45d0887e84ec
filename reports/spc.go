package reports

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"

	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/internal/spc"
)

// spcMonths is how many recent whole months the SPC charts show.
const spcMonths = 36

// ChangePoint is a declared change to the process: SPC limits are
// recalculated from its month on.
type ChangePoint struct {
	Month time.Time // first day of the first month of the new process
	Label string
}

// ChangePoints converts the config's change points.
func ChangePoints(cps []config.ChangePoint) []ChangePoint {
	out := make([]ChangePoint, len(cps))
	for i, cp := range cps {
		out[i] = ChangePoint{Month: cp.Time(), Label: cp.Label}
	}
	return out
}

// spcSeries is one area and service's XmR chart of recent monthly
// activity, or why there is none.
type spcSeries struct {
	svc     string
	months  []time.Time
	chart   *spc.Chart
	applied []ChangePoint // change points the chart recalculates at
	why     string        // when chart is nil
}

// spcOf charts the published monthly activity of an area and service: the
// last spcMonths whole months, each a published (rounded) count, so that
// the chart, its table and the other charts agree and nothing unpublished
// is disclosed. A suppressed month leaves the chart out: XmR limits need
// every point.
func (r *report) spcOf(sc scope, svc string) spcSeries {
	s := spcSeries{svc: svc}
	hist := r.d.history[seriesKey(sc, svc)]
	hist = hist[max(len(hist)-spcMonths, 0):]
	values := make([]float64, len(hist))
	for i, p := range hist {
		c := r.dc.Count(p.Events)
		if !c.Shown() {
			s.why = "some months are suppressed (small numbers), and XmR limits need every month"
			return s
		}
		s.months = append(s.months, p.Month)
		values[i] = c.Value
	}
	if len(values) < spc.MinPhase {
		s.why = fmt.Sprintf("only %d whole months, and XmR limits need %d", len(values), spc.MinPhase)
		return s
	}
	var idx []int
	last := 0
	for _, cp := range r.opts.ChangePoints {
		i := indexOfMonth(s.months, cp.Month)
		if i-last < spc.MinPhase || len(values)-i < spc.MinPhase {
			continue // too few months on a side for limits of their own
		}
		idx = append(idx, i)
		s.applied = append(s.applied, cp)
		last = i
	}
	ch, err := spc.XMR(values, idx, spc.Neither)
	if err != nil {
		s.why = err.Error()
		return s
	}
	s.chart = ch
	return s
}

// indexOfMonth is the position of month m in months, or -1.
func indexOfMonth(months []time.Time, m time.Time) int {
	for i, x := range months {
		if x.Equal(m) {
			return i
		}
	}
	return -1
}

// variationText describes the latest point of a chart: its icon's name
// and, for a special cause, the rules it meets.
func variationText(s spcSeries) (spc.Icon, string) {
	icon := spc.IconOf(s.chart.Latest(), s.chart.Direction)
	last := s.chart.Points[len(s.chart.Points)-1]
	if !last.Special() {
		return icon, icon.Name
	}
	return icon, fmt.Sprintf("%s (%s)", icon.Name, last.Rules)
}

// iconHTML is an MDC-style variation icon: a circle with its letter,
// coloured by meaning, hidden from screen readers, which read the text
// beside it.
func iconHTML(icon spc.Icon) template.HTML {
	class := "common"
	switch icon.Meaning {
	case "neither":
		class = "neither"
	case "improvement":
		class = "improvement"
	case "concern":
		class = "concern"
	}
	return template.HTML(fmt.Sprintf(`<svg class="spc-icon spc-%s" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"><circle cx="12" cy="12" r="11"/><text x="12" y="16.5" text-anchor="middle">%s</text></svg>`,
		class, escape(icon.Letter)))
}

// spcSection is the area's SPC section: a line per service with its
// variation icon, then each service's XmR chart with its numbers.
func (r *report) spcSection(sc scope) (section, error) {
	sec := section{ID: "spc", Title: "Variation in monthly activity (SPC)"}
	sec.Paras = []string{fmt.Sprintf("Statistical process control (XmR) charts of the last %d whole months of published activity, read as NHS England's Making Data Count advises: the mean, and natural process limits at the mean plus and minus 2.66 average moving ranges. Special-cause variation is a month outside the limits, a run of 7 or more months on one side of the mean, 6 or more months each higher (or each lower) than the one before, or 2 of 3 months near a limit (beyond two sigma) on one side. Activity has no better direction, so a special cause is shown as higher or lower, neither improvement nor concern. Limits are recalculated from a declared change point where it leaves %d or more months on each side.", spcMonths, spc.MinPhase)}
	var items []variationItem
	t := &table{ID: sc.id() + "-spc-summary", Caption: "Variation of the latest month, by service", Cols: []column{
		{"Service", "service", Label}, {"Latest month", "month", Label}, {"Activity", "events", Count},
		{"Mean", "mean", Modelled}, {"Lower process limit", "lower_limit", Modelled}, {"Upper process limit", "upper_limit", Modelled},
		{"Variation", "variation", Label},
	}, Note: "Means and limits are computed from the published (rounded) monthly counts."}
	var figs []figure
	var notes []string
	for _, svc := range r.services() {
		if _, ok := r.d.history[seriesKey(sc, svc)]; !ok {
			continue
		}
		s := r.spcOf(sc, svc)
		id := sc.id() + "-" + svc + "-spc"
		if s.chart == nil {
			items = append(items, variationItem{Service: serviceName(svc), Text: "No SPC chart: " + s.why})
			notes = append(notes, serviceName(svc)+": no SPC chart: "+s.why+".")
			continue
		}
		icon, text := variationText(s)
		last := s.chart.Points[len(s.chart.Points)-1]
		items = append(items, variationItem{Service: serviceName(svc), Icon: iconHTML(icon), Text: text, Href: "#" + id})
		t.Rows = append(t.Rows, []Cell{Text(serviceName(svc)), Text(s.months[len(s.months)-1].Format("Jan 2006")),
			r.dc.Count(int64(last.Value)), ModelledFigure(last.Mean, 0), ModelledFigure(math.Max(last.Lower, 0), 0),
			ModelledFigure(last.Upper, 0), Text(text)})
		fig, err := r.spcFigure(sc, s, id)
		if err != nil {
			return sec, err
		}
		fig.ID = id
		figs = append(figs, fig)
	}
	sec.Blocks = []block{{Variation: items, Table: t}, {Heading: "XmR charts by service", Paras: notes, Figures: figs}}
	return sec, nil
}

// variationItem is a line of the variation summary: an icon and its text.
type variationItem struct {
	Service string
	Icon    template.HTML
	Text    string
	Href    string
}

// spcFigure draws one XmR chart with its table.
func (r *report) spcFigure(sc scope, s spcSeries, id string) (figure, error) {
	title := fmt.Sprintf("%s, %s: variation", serviceName(s.svc), sc.name)
	data := &table{ID: id + "-xmr", Caption: title + " (XmR)", Cols: []column{
		{"Month", "month", Label}, {"Activity", "events", Count}, {"Mean", "mean", Modelled},
		{"Lower process limit", "lower_limit", Modelled}, {"Upper process limit", "upper_limit", Modelled},
		{"Special cause", "special_cause", Label},
	}}
	for i, p := range s.chart.Points {
		rules := ""
		if p.Special() {
			rules = p.Rules.String()
		}
		data.Rows = append(data.Rows, []Cell{Text(s.months[i].Format("2006-01")), r.dc.Count(int64(p.Value)),
			ModelledFigure(p.Mean, 0), ModelledFigure(math.Max(p.Lower, 0), 0), ModelledFigure(p.Upper, 0), Text(rules)})
	}
	plt, err := spcChart(title, s.months, s.chart)
	if err != nil {
		return figure{}, fmt.Errorf("chart %s: %w", id, err)
	}
	icon, text := variationText(s)
	special := 0
	for _, p := range s.chart.Points {
		if p.Special() {
			special++
		}
	}
	desc := fmt.Sprintf("XmR chart of monthly %s from %s to %s: mean %s, process limits %s to %s; %d of %d months show special-cause variation; latest month: %s. The numbers are in the table below the chart.",
		lowerFirst(serviceName(s.svc)), s.months[0].Format("January 2006"), s.months[len(s.months)-1].Format("January 2006"),
		formatInt(int64(math.Round(s.chart.Points[len(s.chart.Points)-1].Mean))),
		formatInt(int64(math.Round(math.Max(s.chart.Points[len(s.chart.Points)-1].Lower, 0)))),
		formatInt(int64(math.Round(s.chart.Points[len(s.chart.Points)-1].Upper))), special, len(s.chart.Points), text)
	svg, err := inlineSVG(plt, id+"-chart", title, desc)
	if err != nil {
		return figure{}, err
	}
	caption := "Monthly activity with its mean and natural process limits."
	if len(s.applied) > 0 {
		var names []string
		for _, cp := range s.applied {
			names = append(names, cp.Month.Format("January 2006")+" ("+cp.Label+")")
		}
		caption += " Limits recalculated from " + strings.Join(names, " and ") + "."
	}
	return figure{SVG: template.HTML(svg), Caption: caption, Data: data, Legend: spcLegend, Icon: iconHTML(icon), IconText: text}, nil
}
