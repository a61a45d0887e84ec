package scenario

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ProjectionRow is one figure of a population projection: the population of
// an area (a local authority code), sex and age in a year. Age is a single
// year ("37"), an age group ("85-89") or an open top group ("90+").
type ProjectionRow struct {
	Area       string
	Sex        string // male or female
	Age        string
	Year       int
	Population float64
}

// ErrProjection marks a projection file that cannot be read.
var ErrProjection = errors.New("bad projection file")

// ReadProjection reads a population projection in the ONS subnational
// projection layout, in either of its two shapes:
//
//   - long: a header naming area_code (or area), sex, age (or age_group),
//     year and population, then one row per figure;
//   - wide, as ONS publishes the subnational population projections:
//     AREA_CODE, AREA_NAME, COMPONENT, SEX, AGE_GROUP and one column per
//     year.
//
// Sexes are male/female (also males/females, m/f, and the ONS codes 1 and
// 2); rows for persons and for all ages are totals and are skipped, as are
// wide rows whose COMPONENT is not Population. Ages 90 and over are "90+".
// name is used in errors, which give the line and column.
func ReadProjection(r io.Reader, name string) ([]ProjectionRow, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: no header: %w", ErrProjection, name, err)
	}
	head = slices.Clone(head) // the reader reuses its record
	cols := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := cols[h]; dup {
			return nil, fmt.Errorf("%w: %s:1: column %q twice", ErrProjection, name, h)
		}
		cols[h] = i
	}
	pick := func(names ...string) int {
		for _, n := range names {
			if i, ok := cols[n]; ok {
				return i
			}
		}
		return -1
	}
	area, sex, age := pick("area_code", "area"), pick("sex"), pick("age", "age_group")
	if area < 0 || sex < 0 || age < 0 {
		return nil, fmt.Errorf("%w: %s:1: the header needs area_code, sex and age columns (the ONS subnational projection layout), found %q",
			ErrProjection, name, strings.Join(head, ","))
	}
	// Long (year, population) or wide (a column per year).
	year, pop := pick("year"), pick("population")
	type yearCol struct{ col, year int }
	var wide []yearCol
	if year < 0 || pop < 0 {
		for h, i := range cols {
			if y, err := strconv.Atoi(h); err == nil && y >= 1900 && y <= 2200 {
				wide = append(wide, yearCol{i, y})
			}
		}
		if len(wide) == 0 {
			return nil, fmt.Errorf("%w: %s:1: the header needs year and population columns, or a column per year", ErrProjection, name)
		}
		slices.SortFunc(wide, func(a, b yearCol) int { return cmp.Compare(a.year, b.year) })
	}
	component := pick("component")
	width := len(head)
	var out []ProjectionRow
	seen := map[[4]string]int{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrProjection, name, err)
		}
		if len(rec) != width {
			return nil, fmt.Errorf("%w: %s:%d: %d fields, the header has %d", ErrProjection, name, line, len(rec), width)
		}
		bad := func(col int, format string, a ...any) error {
			return fmt.Errorf("%w: %s:%d: %s: %s", ErrProjection, name, line, strings.TrimSpace(head[col]), fmt.Sprintf(format, a...))
		}
		if component >= 0 && !strings.EqualFold(strings.TrimSpace(rec[component]), "population") {
			continue
		}
		s, total, ok := parseSex(rec[sex])
		if !ok {
			return nil, bad(sex, "want male or female (or 1, 2, persons), not %q", rec[sex])
		}
		a, all, ok := parseAge(rec[age])
		if !ok {
			return nil, bad(age, "want a single year of age (0, 1, …, 90+) or an age group (85-89, 90 and over), not %q", rec[age])
		}
		if total || all {
			continue
		}
		code := strings.TrimSpace(rec[area])
		if code == "" {
			return nil, bad(area, "empty")
		}
		add := func(y, col int) error {
			v, err := strconv.ParseFloat(strings.TrimSpace(strings.ReplaceAll(rec[col], ",", "")), 64)
			if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
				return bad(col, "want a population of 0 or more, not %q", rec[col])
			}
			key := [4]string{code, s, a, strconv.Itoa(y)}
			if prev, dup := seen[key]; dup {
				return fmt.Errorf("%w: %s:%d: %s, %s, age %s, %d is also on line %d", ErrProjection, name, line, code, s, a, y, prev)
			}
			seen[key] = line
			out = append(out, ProjectionRow{Area: code, Sex: s, Age: a, Year: y, Population: v})
			return nil
		}
		if wide == nil {
			y, err := strconv.Atoi(strings.TrimSpace(rec[year]))
			if err != nil || y < 1900 || y > 2200 {
				return nil, bad(year, "want a year such as 2030, not %q", rec[year])
			}
			if err := add(y, pop); err != nil {
				return nil, err
			}
			continue
		}
		for _, w := range wide {
			if err := add(w.year, w.col); err != nil {
				return nil, err
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s: no populations by sex and age", ErrProjection, name)
	}
	return out, nil
}

// WriteProjection writes rows in the long ONS layout: area_code, sex, age,
// year, population, sorted by area, sex, age and year.
func WriteProjection(w io.Writer, rows []ProjectionRow) error {
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b ProjectionRow) int {
		return cmp.Or(strings.Compare(a.Area, b.Area), strings.Compare(a.Sex, b.Sex),
			compareAges(a.Age, b.Age), cmp.Compare(a.Year, b.Year))
	})
	cw := csv.NewWriter(w)
	cw.Write([]string{"area_code", "sex", "age", "year", "population"})
	for _, r := range rows {
		cw.Write([]string{r.Area, r.Sex, r.Age, strconv.Itoa(r.Year), strconv.FormatFloat(r.Population, 'g', -1, 64)})
	}
	cw.Flush()
	return cw.Error()
}

func parseSex(s string) (sex string, total, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "male", "males", "m", "1":
		return "male", false, true
	case "female", "females", "f", "2":
		return "female", false, true
	case "persons", "all", "people", "0":
		return "", true, true
	}
	return "", false, false
}

// parseAge normalises an age: "37", "85-89", "90+" ("90 and over" and
// "90 & over" too); all is true for an all-ages total.
func parseAge(s string) (age string, all, ok bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "all ages", "all", "total":
		return "", true, true
	}
	for _, suffix := range []string{" and over", " & over", "+"} {
		if n, found := strings.CutSuffix(s, suffix); found {
			if v, err := strconv.Atoi(strings.TrimSpace(n)); err == nil && v >= 0 && v <= 150 {
				return strconv.Itoa(v) + "+", false, true
			}
			return "", false, false
		}
	}
	lo, hi, ok := ageBounds(s)
	if !ok {
		return "", false, false
	}
	if lo == hi {
		return strconv.Itoa(lo), false, true
	}
	return strconv.Itoa(lo) + "-" + strconv.Itoa(hi), false, true
}

// ageBounds reads an age or age band label: "37", "85-89", "90+" (hi
// math.MaxInt). Band labels of the run ("0-4", …, "90+") read the same way.
func ageBounds(label string) (lo, hi int, ok bool) {
	if n, found := strings.CutSuffix(label, "+"); found {
		v, err := strconv.Atoi(n)
		return v, math.MaxInt, err == nil && v >= 0
	}
	if a, b, found := strings.Cut(label, "-"); found {
		x, err1 := strconv.Atoi(a)
		y, err2 := strconv.Atoi(b)
		return x, y, err1 == nil && err2 == nil && x >= 0 && x <= y && y <= 150
	}
	v, err := strconv.Atoi(label)
	return v, v, err == nil && v >= 0 && v <= 150
}

func compareAges(a, b string) int {
	alo, ahi, _ := ageBounds(a)
	blo, bhi, _ := ageBounds(b)
	return cmp.Or(cmp.Compare(alo, blo), cmp.Compare(ahi, bhi), strings.Compare(a, b))
}
