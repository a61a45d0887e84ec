package scenario_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/yhcr/carecast/scenario"
)

// A projection written in the ONS layout reads back as it was, and as a
// scenario's variant it gives the results of the variant it was written
// from.
func TestProjectionRoundTrips(t *testing.T) {
	b := fixture()
	for _, variant := range []string{scenario.Principal, scenario.High, scenario.Low, scenario.NoChange} {
		rows, err := scenario.Projection(b, variant, 0.01, 3)
		if err != nil {
			t.Fatal(err)
		}
		// 3 places, 2 bands, 2 sexes, 4 years.
		if len(rows) != 3*2*2*4 {
			t.Fatalf("%s: %d rows, want 48", variant, len(rows))
		}
		var buf bytes.Buffer
		if err := scenario.WriteProjection(&buf, rows); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(buf.String(), "area_code,sex,age,year,population\n") {
			t.Fatalf("header: %q", strings.SplitN(buf.String(), "\n", 2)[0])
		}
		back, err := scenario.ReadProjection(bytes.NewReader(buf.Bytes()), "p.csv")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(back, rows) {
			t.Errorf("%s: read back differs:\n%v\nwant\n%v", variant, back, rows)
		}

		// The file as a variant: the same results as the built-in one.
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "p.csv"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		head := "name: t\nhorizon_years: 2\nseed: 3\ndraws: 50\nservices:\n  emergency_admission:\n    non_demographic_growth: {p10: 0, p90: 0.05}\n"
		builtin := head + "demographic:\n  high_low_spread: 0.01\n  variants: [{name: " + variant + ", probability: 1}]\n"
		file := head + "demographic:\n  variants: [{name: from-file, probability: 1, file: p.csv}]\n"
		results := func(yaml string) *scenario.Results {
			path := filepath.Join(dir, "s.yaml")
			if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := scenario.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := scenario.Compile(f, b, scenario.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := m.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		want, got := results(builtin), results(file)
		for i, r := range want.Rows {
			g := got.Rows[i]
			if g.Place != r.Place || g.Service != r.Service || g.Measure != r.Measure || !near(g.P50, r.P50) || !near(g.P10, r.P10) || !near(g.P90, r.P90) {
				t.Errorf("%s: from the file %+v, built in %+v", variant, g, r)
				break
			}
		}
	}
}

// The shape ONS publishes: a column per year, totals to skip, "90 and
// over". (Layout of the ONS 2018-based subnational population projections,
// Table 2; figures made up.)
func TestReadProjectionONSWide(t *testing.T) {
	const text = "AREA_CODE,AREA_NAME,COMPONENT,SEX,AGE_GROUP,2025,2026\n" +
		"E08000034,Kirklees,Population,females,0,2500.5,2510\n" +
		"E08000034,Kirklees,Population,males,90 and over,1200,\"1,250\"\n" +
		"E08000034,Kirklees,Population,persons,0,5000,5020\n" +
		"E08000034,Kirklees,Population,males,All ages,220000,221000\n" +
		"E08000034,Kirklees,Births,males,0,2600,2600\n"
	rows, err := scenario.ReadProjection(strings.NewReader(text), "snpp.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []scenario.ProjectionRow{
		{Area: "E08000034", Sex: "female", Age: "0", Year: 2025, Population: 2500.5},
		{Area: "E08000034", Sex: "female", Age: "0", Year: 2026, Population: 2510},
		{Area: "E08000034", Sex: "male", Age: "90+", Year: 2025, Population: 1200},
		{Area: "E08000034", Sex: "male", Age: "90+", Year: 2026, Population: 1250},
	}
	if !slices.Equal(rows, want) {
		t.Errorf("read %v\nwant %v", rows, want)
	}
}

func TestReadProjectionErrors(t *testing.T) {
	cases := []struct{ text, want string }{
		{"area,sex,year,population\n", "p.csv:1: the header needs area_code, sex and age columns"},
		{"area_code,sex,age\nE1,male,3\n", "p.csv:1: the header needs year and population columns"},
		{"area_code,sex,age,year,population\nE1,other,3,2025,10\n", `p.csv:2: sex: want male or female`},
		{"area_code,sex,age,year,population\nE1,male,three,2025,10\n", `p.csv:2: age: want a single year of age`},
		{"area_code,sex,age,year,population\nE1,male,3,2025,-1\n", `p.csv:2: population: want a population of 0 or more, not "-1"`},
		{"area_code,sex,age,year,population\nE1,male,3,202x,1\n", `p.csv:2: year: want a year such as 2030`},
		{"area_code,sex,age,year,population\nE1,male,3,2025,1\nE1,m,3,2025,2\n", "p.csv:3: E1, male, age 3, 2025 is also on line 2"},
		{"area_code,sex,age,year,population\nE1,male,3,2025\n", "p.csv:2: 4 fields, the header has 5"},
		{"area_code,sex,age,year,population\n", "p.csv: no populations"},
	}
	for _, c := range cases {
		_, err := scenario.ReadProjection(strings.NewReader(c.text), "p.csv")
		if err == nil || !errors.Is(err, scenario.ErrProjection) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.text, err, c.want)
		}
	}
}

// A projection must cover the run's places, bands and sexes for every year
// of the scenario; single years of age are banded by the run's bands.
func TestProjectionCoverage(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	buf.WriteString("area_code,sex,age,year,population\n")
	for _, place := range []string{"E1", "E2", "E3", "E99"} {
		for _, sex := range []string{"male", "female"} {
			for _, year := range []string{"2025", "2026"} {
				for age := 0; age < 90; age++ {
					buf.WriteString(place + "," + sex + "," + itoa(age) + "," + year + ",10\n")
				}
				buf.WriteString(place + "," + sex + ",90+," + year + ",5\n")
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "p.csv"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	yaml := "name: t\nhorizon_years: %d\ndemographic:\n  variants: [{name: mine, probability: 1, file: p.csv}]\n"
	for _, c := range []struct {
		horizon int
		want    string
	}{{1, ""}, {2, "the projection lacks E1 female 0-64 2027"}} {
		path := filepath.Join(dir, "s.yaml")
		os.WriteFile(path, []byte(strings.Replace(yaml, "%d", itoa(c.horizon), 1)), 0o644)
		f, err := scenario.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = scenario.Compile(f, fixture(), scenario.Options{})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("horizon %d: %v", c.horizon, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("horizon %d: error %v, want %q", c.horizon, err, c.want)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func FuzzReadProjection(f *testing.F) {
	f.Add([]byte("area_code,sex,age,year,population\nE1,male,3,2025,10\nE1,female,90+,2025,2.5\n"))
	f.Add([]byte("AREA_CODE,AREA_NAME,COMPONENT,SEX,AGE_GROUP,2025,2026\nE1,X,Population,males,90 and over,1,2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := scenario.ReadProjection(bytes.NewReader(b), "fuzz.csv")
		if err != nil {
			if !errors.Is(err, scenario.ErrProjection) {
				t.Fatalf("error not marked: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := scenario.WriteProjection(&buf, rows); err != nil {
			t.Fatal(err)
		}
		back, err := scenario.ReadProjection(&buf, "again.csv")
		if err != nil {
			t.Fatalf("written rows do not read back: %v", err)
		}
		if len(back) != len(rows) {
			t.Fatalf("%d rows read back, %d written", len(back), len(rows))
		}
	})
}
