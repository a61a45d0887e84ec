package sql

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

func TestReidentificationRisk(t *testing.T) {
	dir := t.TempDir()
	db := openDuckDB(t)
	// Eight people: six women of 40-44 in one LSOA (ages 40, 40, 41, 41,
	// 41, 42), two men of 70-74 elsewhere; one woman registered elsewhere,
	// one man dead.
	if _, err := db.Exec(`COPY (SELECT * FROM (VALUES
		('female', 40, '40-44', 'E01011092', 'E08000034', 'B85001', NULL::DATE),
		('female', 40, '40-44', 'E01011092', 'E08000034', 'B85001', NULL),
		('female', 41, '40-44', 'E01011092', 'E08000034', 'B85001', NULL),
		('female', 41, '40-44', 'E01011092', 'E08000034', 'B85001', NULL),
		('female', 41, '40-44', 'E01011092', 'E08000034', 'B85002', NULL),
		('female', 42, '40-44', 'E01011092', 'E08000034', 'B85001', NULL),
		('male', 71, '70-74', 'E01011107', 'E08000034', 'B85001', NULL),
		('male', 73, '70-74', 'E01011107', 'E08000034', 'B85001', DATE '2024-05-01'))
		AS t(sex, age, age_band, lsoa21, lad_code, gp_practice, death_month)) TO '` +
		filepath.Join(dir, "persons.parquet") + `' (FORMAT parquet)`); err != nil {
		t.Fatal(err)
	}
	run, err := OpenRun(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	risk, err := ReidentificationRisk(context.Background(), run)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		qi                              string
		groups, smallest, people, under int64
	}
	var got []row
	for _, c := range risk.Combinations {
		got = append(got, row{filepath.Join(c.QuasiIdentifiers...), c.Groups, c.SmallestGroup, c.People, c.PeopleUnderK})
		if c.People > 0 && c.ShareUnderK != float64(c.PeopleUnderK)/float64(c.People) {
			t.Errorf("%v: share %v", c.QuasiIdentifiers, c.ShareUnderK)
		}
	}
	want := []row{
		{"sex/age/lsoa21", 5, 1, 8, 8},                         // 2, 3, 1, 1, 1
		{"sex/age_band/lsoa21", 2, 2, 8, 2},                    // 6, 2
		{"sex/age_band/lad_code", 2, 2, 8, 2},                  // 6, 2
		{"sex/age/lsoa21/gp_practice", 6, 1, 8, 8},             // 2, 2, 1, 1, 1, 1
		{"sex/age/lsoa21/gp_practice/death_month", 6, 1, 8, 8}, // the dead man was alone already
	}
	if !slices.Equal(got, want) || risk.K != RiskK || risk.Table != "persons" {
		t.Errorf("risk\n got %+v\nwant %+v", got, want)
	}
}
