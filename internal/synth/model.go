package synth

import (
	"math"
	"time"

	"github.com/yhcr/carecast/canonical"
)

// model holds what the generator needs for every day of the period: each
// service's day factor (weekly pattern, season, bank holidays, trend) and
// each A&E trust's (its calibrated level and monthly season, weekly pattern,
// trend). A person's expected events on a day are their age-sex rate times
// the day's factor ÷ 365.25.
type model struct {
	start, end canonical.Date
	rates      *rateTable
	ae         *aeCalibration

	factor    [numServices][]float32 // by day since start; A&E's is per trust
	factorMax [numServices]float64
	aeFactor  [][]float32 // by trust, then day
	aeMax     []float64
}

func newModel(w *world, start, end canonical.Date) (*model, error) {
	m := &model{start: start, end: end, rates: newRateTable()}
	ae, err := calibrateAE(w, m.rates)
	if err != nil {
		return nil, err
	}
	m.ae = ae
	days := int(end-start) + 1
	holidays := map[canonical.Date]bool{}
	for y := start.Year(); y <= end.Year(); y++ {
		for _, d := range BankHolidays(y) {
			holidays[d] = true
		}
	}
	mid := float64(start+end) / 2
	trend := make([]float64, days)
	for i := range trend {
		trend[i] = math.Pow(1+annualTrend, (float64(start)+float64(i)-mid)/365.25)
	}
	for _, svc := range canonical.Services() {
		if svc == canonical.AEAttendance {
			continue
		}
		raw := make([]float64, days)
		var sum float64
		for i := range raw {
			d := start + canonical.Date(i)
			t := d.Time()
			f := weekly[svc][(int(t.Weekday())+6)%7] * winter(svc, t.YearDay())
			if planned(svc) {
				switch {
				case holidays[d]:
					f *= weekly[svc][6] // a Sunday service
				case christmasWeek(t):
					f *= .5
				}
			}
			raw[i] = f
			sum += f
		}
		// Normalise so that the pattern moves activity between days without
		// changing the yearly rate.
		mean := sum / float64(days)
		m.factor[svc] = make([]float32, days)
		for i, f := range raw {
			v := f / mean * trend[i]
			m.factor[svc][i] = float32(v)
			m.factorMax[svc] = max(m.factorMax[svc], v)
		}
	}
	var weekMean float64
	for _, f := range weekly[canonical.AEAttendance] {
		weekMean += f / 7
	}
	m.aeFactor = make([][]float32, len(ae.trusts))
	m.aeMax = make([]float64, len(ae.trusts))
	for ti := range ae.trusts {
		m.aeFactor[ti] = make([]float32, days)
		for i := range days {
			t := (start + canonical.Date(i)).Time()
			v := ae.level[ti] * ae.season[ti][t.Month()-1] *
				weekly[canonical.AEAttendance][(int(t.Weekday())+6)%7] / weekMean * trend[i]
			m.aeFactor[ti][i] = float32(v)
			m.aeMax[ti] = max(m.aeMax[ti], v)
		}
	}
	return m, nil
}

// christmasWeek reports whether t falls between Christmas Eve and New Year's
// Day, when planned care runs at about half its usual level.
func christmasWeek(t time.Time) bool {
	_, mo, d := t.Date()
	return (mo == time.December && d >= 24) || (mo == time.January && d == 1)
}

// ExpectedAE returns, for each A&E trust of the region calibrated on its
// own figures, the type-1 attendances the model expects in each calendar
// month at scale 1, averaged over the months of the period (from the
// catchment population at the start of the period, before deaths and
// births), next to the real mean attendances of that calendar month in
// 2016–2019 by the region's residents. The calibration test holds them
// within 10 %.
func ExpectedAE(region []string, start, end canonical.Date) (map[string][2][12]float64, error) {
	w, err := loadWorld(region)
	if err != nil {
		return nil, err
	}
	m, err := newModel(w, start, end)
	if err != nil {
		return nil, err
	}
	// Expected attendances a day at factor 1, by trust.
	base := make([]float64, len(m.ae.trusts))
	for _, pl := range w.places {
		for _, a := range pl.areas {
			for _, row := range pl.population {
				for sex, n := range [2]float64{row.Male, row.Female} {
					trust := a.catchment.acute
					if row.Age < 16 {
						trust = a.catchment.childAE
					}
					base[m.ae.index[trust]] += n * a.share * m.rates[canonical.AEAttendance][sex][row.Age] / 365.25
				}
			}
		}
	}
	out := map[string][2][12]float64{}
	for ti, trust := range m.ae.trusts {
		if !m.ae.own[ti] {
			continue
		}
		// Whole calendar months only.
		var sum, n [12]float64
		for ms := start.MonthStart(); ; {
			if ms < start {
				ms = ms.AddDays(32).MonthStart()
				continue
			}
			next := ms.AddDays(32).MonthStart()
			if next-1 > end {
				break
			}
			mo := ms.Time().Month() - 1
			for d := ms; d < next; d++ {
				sum[mo] += float64(m.aeFactor[ti][d-start]) * base[ti]
			}
			n[mo]++
			ms = next
		}
		var v [2][12]float64
		for mo := range 12 {
			if n[mo] > 0 {
				v[0][mo] = sum[mo] / n[mo]
			}
			v[1][mo] = m.ae.monthly[ti][mo]
		}
		out[trust] = v
	}
	return out, nil
}
