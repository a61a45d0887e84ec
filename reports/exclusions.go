package reports

import (
	"fmt"
	"strings"
)

// exclusionParas says which periods the forecasts treated as missing
// (forecast.exclude_periods), so that a reader knows the models were not
// trained on them; nil when none were.
func (r *report) exclusionParas() []string {
	if len(r.opts.ExcludedPeriods) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("The forecasts treat %s as missing: activity then (the COVID-19 collapse and recovery, by default) is shown but was not used to fit the models or to score their backtests, so that they plan from the level outside it (configuration forecast.exclude_periods).",
		strings.Join(r.opts.ExcludedPeriods, " and "))}
}
