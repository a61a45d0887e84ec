package reports

import (
	"fmt"
	"strings"
)

// exclusionParas says which periods the forecasts treated as missing
// (forecast.exclude_periods), so that a reader knows the models were not
// trained on them, and how far to trust forecasts made soon after them;
// nil when none were.
func (r *report) exclusionParas() []string {
	if len(r.opts.ExcludedPeriods) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("The forecasts treat %s as missing: activity then (the COVID-19 collapse and recovery, by default) is shown but was not used to fit the models or to score their backtests, so that they plan from the level outside it (configuration forecast.exclude_periods).",
		strings.Join(r.opts.ExcludedPeriods, " and ")), afterExclusionCaution}
}

// afterExclusionCaution is measured by `make bench-forecast` (README,
// "Forecast benchmark": England's A&E series trained through the pandemic,
// 600 forecast months, 134 above the 80 % interval and 7 below, with the
// intervals widened after the excluded period, as the forecast package does;
// one hospital's series, 8 forecasts, MASE 0.872 excluded, 0.545 trained
// through the window).
const afterExclusionCaution = "Forecasts made within two years of the end of an excluded period are less certain: the models take the trend mostly from the years before it, and only the months since show where activity went. Their intervals are widened for that, most just after the period, less as months accumulate. Tested on England's A&E attendances and emergency admissions, forecast a year ahead from October 2022 to October 2023, the 80 % intervals held 77 % of months, but activity grew faster than forecast (by 2 % on average) and 22 % of months fell above the interval, 1 % below: plan for the upper half of the interval rather than the lower. Where activity did not return to the path it was on before (tested on one hospital's attendances, back flat and well below it), forecasts trained through the excluded period were the more accurate, and the exclusion can be turned off."
