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
// 600 forecast months, 188 above the 80 % interval and 11 below, make
// bench-forecast at 045052a; one hospital's series, 8 forecasts, 96
// months: MASE 0.595 with the window excluded and 0.590 trained through
// it, 80 % coverage 0.823 and 0.979, rerun when the set's dates were
// corrected).
const afterExclusionCaution = "Forecasts made within two years of the end of an excluded period are less certain than their intervals show: the models take the trend mostly from the years before it, and the years after it may not follow. Tested on England's A&E attendances and emergency admissions, forecast a year ahead from October 2022 to October 2023, activity grew faster than forecast (by 2 % on average) and 31 % of months fell above the 80 % interval, where 10 % would. At one hospital, forecasts trained through the excluded period were about as accurate but their intervals wider than they need be (98 % of months fell in the 80 % interval); where activity did not return to the path it was on before, the exclusion can be turned off."
