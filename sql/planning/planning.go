// Package planning holds the queries behind the planning scenarios, one
// .sql file each, run against a run opened with sql.OpenRun: the baseline
// year's activity, the places and the population model.
package planning

import _ "embed"

var (
	//go:embed baseline.sql
	baseline string
	//go:embed places.sql
	places string
	//go:embed population.sql
	population string
)

// Queries are the queries by name (the file name without .sql).
var Queries = map[string]string{
	"baseline":   baseline,
	"places":     places,
	"population": population,
}
