package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// A keyMessage is one sentence at the top of an area's page, made from the
// data, with its uncertainty in the sentence and a link to the evidence.
type keyMessage struct {
	Text     string
	Href     string // the evidence: an anchor on this or another page
	LinkText string // names the evidence, for links read out of context
	weight   float64
}

// A messageSource makes the key messages one part of the report has for an
// area. It must never use a suppressed figure, nor one it judges
// unreliable; it may return none. Sections add their source to
// messageSources (inequalities, scenarios, feeds: see the issue notes).
type messageSource func(r *report, sc scope) []keyMessage

// messageSources feed the key messages. Messages are ordered by weight,
// then by source and by the source's order.
var messageSources = []messageSource{noticeMessages, forecastMessages, spcMessages, inequalityMessages, scenarioMessages, coverageMessages}

// Key messages per page: at least three where the data allow, at most six.
const (
	minMessages = 3
	maxMessages = 6
	// maxForecastMessages leaves room for the other sources.
	maxForecastMessages = 3
	// minMessageCount: a service with fewer events in its last 12
	// published months is too small for a sentence about its change.
	minMessageCount = 100
	// maxMessageMASE: a forecast whose backtests did worse than this
	// (1.25 times the error of a seasonal naive forecast) is unreliable.
	maxMessageMASE = 1.25
)

// keyMessagesSection is the first section of an area's page.
func (r *report) keyMessagesSection(sc scope) section {
	var all []keyMessage
	for _, src := range messageSources {
		all = append(all, src(r, sc)...)
	}
	slices.SortStableFunc(all, func(a, b keyMessage) int { return cmp.Compare(b.weight, a.weight) })
	all = all[:min(len(all), maxMessages)]
	sec := section{ID: "key-messages", Title: "Key messages"}
	if len(all) < minMessages {
		sec.Paras = []string{"This run has too few reliable figures for more key messages."}
	}
	sec.Blocks = []block{{Messages: all}}
	return sec
}

// signedPct writes a change in per cent with a sign, to the nearest whole
// per cent (a typographic minus for falls).
func signedPct(v float64) string {
	v = math.Round(v)
	switch {
	case v > 0:
		return fmt.Sprintf("+%.0f %%", v)
	case v < 0:
		return fmt.Sprintf("−%.0f %%", -v)
	}
	return "0 %"
}

// forecastMessages: the services whose forecast changes most, each with its
// 80 % range, from published totals only, and none whose last 12 months
// had a suppressed month, that is small, or whose model backtested badly.
func forecastMessages(r *report, sc scope) []keyMessage {
	var out []keyMessage
	for _, svc := range r.services() {
		key := seriesKey(sc, svc)
		if _, ok := r.d.history[key]; !ok || len(r.d.forecasts[key]) < horizon {
			continue
		}
		sm := r.summarise(key)
		if sc.level == "region" {
			sm = r.regionSummary(svc)
		}
		if !sm.last.Shown() || sm.last.Value < minMessageCount || !sm.change.Shown() ||
			math.IsNaN(sm.nextLo) || math.IsNaN(sm.nextHi) || !r.reliable(sc, svc) {
			continue
		}
		change := (sm.nextMean/sm.last.Value - 1) * 100
		lo, hi := (sm.nextLo/sm.last.Value-1)*100, (sm.nextHi/sm.last.Value-1)*100
		verb := "rise"
		if math.Round(change) < 0 {
			verb = "fall"
		}
		text := fmt.Sprintf("%s are forecast to %s %s in the next 12 months, to %s (80 %% range %s to %s), against %s in the last 12.",
			serviceName(svc), verb, strings.TrimPrefix(strings.TrimPrefix(signedPct(change), "+"), "−"),
			sm.next.Text, signedPct(lo), signedPct(hi), sm.last.Text)
		if math.Round(change) == 0 {
			text = fmt.Sprintf("%s are forecast to stay level in the next 12 months, at %s (80 %% range %s to %s), against %s in the last 12.",
				serviceName(svc), sm.next.Text, signedPct(lo), signedPct(hi), sm.last.Text)
		}
		if sc.level == "region" {
			text += " The region's range adds up its ICBs' ranges."
		}
		out = append(out, keyMessage{Text: text, Href: "#" + sc.id() + "-" + svc + "-forecast",
			LinkText: "Evidence: " + lowerFirst(serviceName(svc)) + " forecast", weight: 10 + math.Abs(change)})
	}
	slices.SortStableFunc(out, func(a, b keyMessage) int { return cmp.Compare(b.weight, a.weight) })
	return out[:min(len(out), maxForecastMessages)]
}

// reliable reports whether the backtests of an area and service's chosen
// model are good enough for a sentence: no worse than maxMessageMASE.
// The region has none of its own; its ICBs' must all be.
func (r *report) reliable(sc scope, svc string) bool {
	for _, a := range r.d.accuracy {
		if a.Service != svc || !r.showSeries(sc, a.Level, a.ICB, a.LAD) || (sc.level == "icb" && a.Level != "icb") {
			continue
		}
		if a.MASE.Valid && a.MASE.Float64 > maxMessageMASE {
			return false
		}
	}
	return true
}

// regionSummary adds up the region's ICBs for the region's summary row
// and key messages: published totals, forecast means and 80 % limits;
// where any ICB's month was suppressed, change is not shown (as for an
// area's own row).
func (r *report) regionSummary(svc string) summary {
	var lasts []Cell
	s := summary{}
	suppressed := false
	for _, st := range r.icbs() {
		key := seriesKey(st, svc)
		if _, ok := r.d.history[key]; !ok {
			continue
		}
		sm := r.summarise(key)
		lasts = append(lasts, sm.last)
		s.nextMean, s.nextLo, s.nextHi = s.nextMean+sm.nextMean, s.nextLo+sm.nextLo, s.nextHi+sm.nextHi
		suppressed = suppressed || !sm.change.Shown() && sm.change.Text == Suppressed
	}
	s.last = r.dc.Total(lasts)
	s.next = ModelledFigure(s.nextMean, 0)
	s.change = r.change(s.last, s.nextMean)
	if suppressed {
		s.change = Cell{Text: Suppressed, Kind: Modelled, Value: math.NaN()}
	}
	return s
}

// spcMessages: services whose latest month shows special-cause variation,
// and, when none does, one sentence saying so.
func spcMessages(r *report, sc scope) []keyMessage {
	var out []keyMessage
	charted := 0
	for _, svc := range r.services() {
		if _, ok := r.d.history[seriesKey(sc, svc)]; !ok {
			continue
		}
		s := r.spcOf(sc, svc)
		if s.chart == nil {
			continue
		}
		charted++
		last := s.chart.Points[len(s.chart.Points)-1]
		if !last.Special() {
			continue
		}
		word := "lower"
		if last.Side > 0 {
			word = "higher"
		}
		out = append(out, keyMessage{
			Text: fmt.Sprintf("%s in %s were %s than the usual variation would give (%s): %s against a mean of %s and process limits of %s to %s over the last %d months.",
				serviceName(svc), s.months[len(s.months)-1].Format("January 2006"), word, last.Rules, formatInt(int64(last.Value)),
				formatInt(int64(math.Round(last.Mean))), formatInt(int64(math.Round(math.Max(last.Lower, 0)))), formatInt(int64(math.Round(last.Upper))), len(s.months)),
			Href: "#" + sc.id() + "-" + svc + "-spc", LinkText: "Evidence: " + lowerFirst(serviceName(svc)) + " SPC chart", weight: 20,
		})
	}
	if len(out) == 0 && charted > 0 {
		out = append(out, keyMessage{
			Text: fmt.Sprintf("In the latest month, none of the %d services charted shows special-cause variation: activity moved within its usual range (SPC process limits).", charted),
			Href: "#spc", LinkText: "Evidence: SPC charts", weight: 5,
		})
	}
	return out
}

// coverageMessages says what the figures cover and how they are protected.
func coverageMessages(r *report, sc scope) []keyMessage {
	var first, last time.Time
	for key, hist := range r.d.history {
		if level, _ := splitKey(key); level != sc.level || len(hist) == 0 {
			continue
		}
		if f := hist[0].Month; first.IsZero() || f.Before(first) {
			first = f
		}
		if l := hist[len(hist)-1].Month; l.After(last) {
			last = l
		}
	}
	if first.IsZero() {
		return nil
	}
	control := fmt.Sprintf("counts of 1 to %d are suppressed", r.opts.SuppressMax)
	if r.opts.SuppressMax == 0 {
		control = "no count is suppressed"
	}
	if r.opts.RoundTo > 1 {
		control += fmt.Sprintf(" and other counts rounded to the nearest %d", r.opts.RoundTo)
	}
	return []keyMessage{{
		Text: fmt.Sprintf("The figures cover whole months from %s to %s; %s, and forecasts are modelled figures.",
			first.Format("January 2006"), last.Format("January 2006"), control),
		Href: "index.html#methods", LinkText: "Methods and provenance", weight: 0,
	}}
}

// scenarioMessages: for each planning scenario, the service it changes
// most by its horizon, with the scenario's 80 % range (10th to 90th
// percentile); suppressed results never.
func scenarioMessages(r *report, sc scope) []keyMessage {
	d := r.d.scenarios
	if d == nil {
		return nil
	}
	var out []keyMessage
	for _, n := range d.names {
		var best *keyMessage
		bestChange := 0.0
		for _, svc := range d.services() {
			rs := d.lookup(sc.scenarioKey(n, svc, "activity"))
			if len(rs) == 0 {
				continue
			}
			x := rs[len(rs)-1]
			if x.Suppressed || x.Baseline < minMessageCount || math.IsNaN(x.P50) {
				continue
			}
			change := (x.P50/x.Baseline - 1) * 100
			if best != nil && math.Abs(change) <= math.Abs(bestChange) {
				continue
			}
			title := cmp.Or(d.info[n].Title, n)
			best = &keyMessage{
				Text: fmt.Sprintf("Under the planning scenario \u201c%s\u201d, %s would be %s in %d (80 %% range %s to %s), %s on the %d baseline of %s.",
					title, lowerFirst(serviceName(svc)), formatInt(int64(math.Round(x.P50))), x.Year,
					formatInt(int64(math.Round(x.P10))), formatInt(int64(math.Round(x.P90))), signedPct(change),
					x.Year-x.YearsAhead, formatInt(int64(math.Round(x.Baseline)))),
				Href: "#scenarios", LinkText: "Evidence: planning scenarios", weight: 15,
			}
			bestChange = change
		}
		if best != nil {
			out = append(out, *best)
		}
	}
	return out[:min(len(out), 2)]
}

// noticeMessages: what the run could not show (the region's notice of thin
// feeds, unplaced people, no whole month) comes before any other message.
func noticeMessages(r *report, sc scope) []keyMessage {
	if sc.level != "region" || r.d.manifest == nil {
		return nil
	}
	n, ok := r.noticeSection()
	if !ok || len(n.Paras) == 0 {
		return nil
	}
	return []keyMessage{{Text: n.Paras[0], Href: "#" + n.ID, LinkText: "Evidence: what this run could not show", weight: 100}}
}
