package scenario

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Results are a scenario's results: the tables scenario_results,
// scenario_attribution and scenario_assumptions (docs/data.md).
type Results struct {
	Scenario     string
	BaselineYear int
	Draws        int
	Rows         []ResultRow
	Attribution  []AttributionRow
	Assumptions  []AssumptionRow
}

// ResultRow is one row of scenario_results.
type ResultRow struct {
	Scenario   string  `parquet:"scenario,dict" doc:"scenario name"`
	Level      string  `parquet:"level,dict" doc:"place, icb or region"`
	Parent     string  `parquet:"icb_code,dict" doc:"ICB code; all for the region"`
	Place      string  `parquet:"lad_code,dict" doc:"place (local authority) code; all for an ICB or the region"`
	Service    string  `parquet:"service,dict" doc:"service, or a setting activity moves to"`
	Measure    string  `parquet:"measure,dict" doc:"activity, bed_days, beds, clinician_hours, sessions or clinician_wte"`
	Year       int32   `parquet:"year" doc:"calendar year"`
	YearsAhead int32   `parquet:"years_ahead" doc:"years after the baseline year (0: the baseline year)"`
	Baseline   float64 `parquet:"baseline" doc:"the measure in the baseline year (capacity: its median)"`
	Mean       float64 `parquet:"mean" doc:"mean over the draws"`
	P10        float64 `parquet:"p10" doc:"10th percentile over the draws"`
	P50        float64 `parquet:"p50" doc:"median over the draws"`
	P90        float64 `parquet:"p90" doc:"90th percentile over the draws"`
	Suppressed bool    `parquet:"suppressed" doc:"derived from a baseline count that disclosure control suppresses: publish as *"`
	RunID      string  `parquet:"run_id,dict" doc:"run that computed the row"`
}

// AttributionRow is one row of scenario_attribution: the part of the change
// of a result's median from the baseline that one factor made.
type AttributionRow struct {
	Scenario   string  `parquet:"scenario,dict" doc:"scenario name"`
	Level      string  `parquet:"level,dict" doc:"place, icb or region"`
	Parent     string  `parquet:"icb_code,dict" doc:"ICB code; all for the region"`
	Place      string  `parquet:"lad_code,dict" doc:"place code; all for an ICB or the region"`
	Service    string  `parquet:"service,dict" doc:"service, or a setting activity moves to"`
	Measure    string  `parquet:"measure,dict" doc:"activity or bed_days"`
	Year       int32   `parquet:"year" doc:"calendar year"`
	Factor     string  `parquet:"factor,dict" doc:"demographic, non_demographic_growth, activity_avoided, moved_out, then moved_in (activity) or length_of_stay (bed_days)"`
	Order      int32   `parquet:"factor_order" doc:"the order the factor is applied in, from 1"`
	Value      float64 `parquet:"value" doc:"change of the median when the factor is applied; the values of a row's factors add up to p50 - baseline"`
	Suppressed bool    `parquet:"suppressed" doc:"derived from a suppressed baseline count: publish as *"`
	RunID      string  `parquet:"run_id,dict" doc:"run that computed the row"`
}

// AssumptionRow is one row of scenario_assumptions: a parameter of the
// scenario as given, with the percentiles of its distribution as drawn.
type AssumptionRow struct {
	Scenario     string  `parquet:"scenario,dict" doc:"scenario name"`
	Title        string  `parquet:"title,dict" doc:"scenario title"`
	Description  string  `parquet:"description,dict" doc:"scenario description"`
	BaselineYear int32   `parquet:"baseline_year" doc:"calendar year the scenario starts from"`
	HorizonYears int32   `parquet:"horizon_years" doc:"years projected"`
	PhaseInYears int32   `parquet:"phase_in_years" doc:"years the mitigators take to reach their full effect"`
	Draws        int32   `parquet:"draws" doc:"Monte-Carlo draws"`
	Seed         int64   `parquet:"seed" doc:"random seed"`
	FileSHA256   string  `parquet:"file_sha256,dict" doc:"SHA-256 of the scenario file"`
	Service      string  `parquet:"service,dict" doc:"service or setting; all for the demographic variants"`
	AppliesTo    string  `parquet:"applies_to,dict" doc:"all, or the places and ages of a group"`
	Parameter    string  `parquet:"parameter,dict" doc:"the scenario file's field, e.g. activity_avoided, moves, bed_occupancy, demographic_variant"`
	Target       string  `parquet:"target,dict" doc:"the setting of a move, or the demographic variant"`
	Distribution string  `parquet:"distribution,dict" doc:"the distribution as given"`
	P10          float64 `parquet:"p10" doc:"10th percentile of the parameter (a variant: its probability)"`
	P50          float64 `parquet:"p50" doc:"median of the parameter (a variant: its probability)"`
	P90          float64 `parquet:"p90" doc:"90th percentile of the parameter (a variant: its probability)"`
	RunID        string  `parquet:"run_id,dict" doc:"run that computed the row"`
}

// SetRunID stamps every row with the run that computed it.
func (r *Results) SetRunID(id string) {
	for i := range r.Rows {
		r.Rows[i].RunID = id
	}
	for i := range r.Attribution {
		r.Attribution[i].RunID = id
	}
	for i := range r.Assumptions {
		r.Assumptions[i].RunID = id
	}
}

// summary holds the statistics of one measure over the draws.
type summary struct{ mean, p10, p50, p90 float64 }

// summarize computes the mean and the 10th, 50th and 90th percentiles of
// xs (R's default definition, type 7: linear interpolation between order
// statistics); scratch must be as long as xs.
func summarize(xs, scratch []float64) summary {
	var s summary
	for _, x := range xs {
		s.mean += x
	}
	s.mean /= float64(len(xs))
	copy(scratch, xs)
	slices.Sort(scratch)
	s.p10, s.p50, s.p90 = sortedQuantile(scratch, 0.1), sortedQuantile(scratch, 0.5), sortedQuantile(scratch, 0.9)
	return s
}

func sortedQuantile(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p
	lo := int(math.Floor(h))
	if lo+1 >= len(sorted) {
		return sorted[lo]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// median is the 50th percentile of xs as summarize computes it, found by
// selection rather than sorting.
func median(xs, scratch []float64) float64 {
	n := len(xs)
	copy(scratch, xs)
	h := float64(n-1) * 0.5
	lo := int(math.Floor(h))
	a := nth(scratch[:n], lo)
	if lo+1 >= n || h == float64(lo) {
		return a
	}
	b := slices.Min(scratch[lo+1 : n])
	return a + (h-float64(lo))*(b-a)
}

// nth reorders xs so that xs[k] is the k-th smallest and returns it; the
// elements before k are no larger and those after no smaller (Hoare's
// selection with a median-of-three pivot).
func nth(xs []float64, k int) float64 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if xs[mid] < xs[lo] {
			xs[mid], xs[lo] = xs[lo], xs[mid]
		}
		if xs[hi] < xs[lo] {
			xs[hi], xs[lo] = xs[lo], xs[hi]
		}
		if xs[hi] < xs[mid] {
			xs[hi], xs[mid] = xs[mid], xs[hi]
		}
		pivot := xs[mid]
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for xs[j] > pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k]
		}
	}
	return xs[k]
}

// assumptions lists the scenario's parameters as given, with the
// percentiles of each as drawn (after clipping to its valid range).
func (m *Model) assumptions() []AssumptionRow {
	f := m.file
	base := AssumptionRow{Scenario: m.name, Title: f.Title, Description: strings.TrimSpace(f.Description),
		BaselineYear: int32(m.year), HorizonYears: int32(m.horizon), PhaseInYears: int32(m.phaseIn),
		Draws: int32(m.draws), Seed: int64(m.seed), FileSHA256: f.SHA256}
	var out []AssumptionRow
	for _, v := range f.Demographic.Variants {
		r := base
		r.Service, r.AppliesTo, r.Parameter, r.Target = All, All, "demographic_variant", v.Name
		r.Distribution = "probability"
		switch v.Name {
		case High, Low:
			r.Distribution = fmt.Sprintf("probability; principal growth %s %.2f %% a year", map[string]string{High: "+", Low: "-"}[v.Name], f.Demographic.spread()*100)
		case Principal:
			r.Distribution = "probability; the run's population model"
		case NoChange:
			r.Distribution = "probability; the baseline year's population throughout"
		default:
			r.Distribution = "probability; projection file " + v.File
		}
		r.P10, r.P50, r.P90 = v.Probability, v.Probability, v.Probability
		out = append(out, r)
	}
	param := func(svc, applies, name, target string, p *Param) {
		if p == nil {
			return
		}
		r := base
		r.Service, r.AppliesTo, r.Parameter, r.Target = svc, applies, name, target
		r.Distribution = p.Describe()
		r.P10, r.P50, r.P90 = p.Quantile(0.1), p.Quantile(0.5), p.Quantile(0.9)
		out = append(out, r)
	}
	factors := func(svc, applies string, fs Factors) {
		param(svc, applies, "non_demographic_growth", "", fs.NonDemographicGrowth)
		param(svc, applies, "activity_avoided", "", fs.ActivityAvoided)
		param(svc, applies, "length_of_stay_change", "", fs.LengthOfStayChange)
		for _, mv := range fs.Moves {
			param(svc, applies, "moves", mv.To, mv.Share)
		}
	}
	for _, svc := range m.services {
		spec := f.Services[svc]
		if spec == nil {
			continue
		}
		factors(svc, All, spec.Factors)
		for _, g := range spec.Groups {
			var parts []string
			if len(g.Places) > 0 {
				parts = append(parts, "places "+strings.Join(g.Places, " "))
			}
			if g.Ages != nil {
				if g.Ages.To == 0 {
					parts = append(parts, fmt.Sprintf("ages %d+", g.Ages.From))
				} else {
					parts = append(parts, fmt.Sprintf("ages %d-%d", g.Ages.From, g.Ages.To))
				}
			}
			factors(svc, strings.Join(parts, "; "), g.Factors)
		}
		if c := spec.Capacity; c != nil {
			param(svc, All, "bed_occupancy", "", c.BedOccupancy)
			param(svc, All, "minutes_per_appointment", "", c.MinutesPerAppointment)
			param(svc, All, "session_hours", "", c.SessionHours)
			param(svc, All, "appointments_per_clinician_year", "", c.AppointmentsPerClinicianYear)
		}
	}
	return out
}
