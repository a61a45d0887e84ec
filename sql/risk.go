package sql

import (
	"context"
	dbsql "database/sql"
	"fmt"
	"strings"

	"github.com/yhcr/carecast/warehouse"
)

// RiskK is the group size under which people count as at risk of
// re-identification: fewer than five people sharing every published
// quasi-identifier.
const RiskK = 5

// ReidentificationRisk measures, over the persons table of the run open in
// db, each published combination of quasi-identifiers
// (queries/reidentification.sql): the groups of people sharing values, the
// smallest, and the share of people in groups smaller than RiskK.
func ReidentificationRisk(ctx context.Context, db *dbsql.DB) (*warehouse.ReidentificationRisk, error) {
	text, err := queries.ReadFile("queries/reidentification.sql")
	if err != nil {
		return nil, fmt.Errorf("read embedded reidentification.sql: %w", err)
	}
	rows, err := db.QueryContext(ctx, string(text), dbsql.Named("k", RiskK))
	if err != nil {
		return nil, fmt.Errorf("sql/queries/reidentification.sql: %w", err)
	}
	defer rows.Close()
	risk := &warehouse.ReidentificationRisk{K: RiskK, Table: "persons"}
	for rows.Next() {
		var c warehouse.QuasiIdentifierRisk
		var qi string
		if err := rows.Scan(&qi, &c.Groups, &c.SmallestGroup, &c.People, &c.PeopleUnderK); err != nil {
			return nil, fmt.Errorf("sql/queries/reidentification.sql: %w", err)
		}
		c.QuasiIdentifiers = strings.Split(qi, ",")
		if c.People > 0 {
			c.ShareUnderK = float64(c.PeopleUnderK) / float64(c.People)
		}
		risk.Combinations = append(risk.Combinations, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sql/queries/reidentification.sql: %w", err)
	}
	return risk, nil
}
