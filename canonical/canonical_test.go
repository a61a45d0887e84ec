package canonical

import (
	"testing"
	"time"
)

func TestValidNHSNumber(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"9434765919", true}, // NHS Digital's published example
		{"9434765918", false},
		{"9990000018", true},
		{"943476591", false},
		{"94347659190", false},
		{"943476591a", false},
		{"", false},
		{"0000000000", true},
	}
	for _, tt := range tests {
		if got := ValidNHSNumber(tt.in); got != tt.want {
			t.Errorf("ValidNHSNumber(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCheckDigitAgreesWithValidation(t *testing.T) {
	for _, nine := range []string{"943476591", "999000001", "999123456", "999999999"} {
		d, ok := NHSNumberCheckDigit(nine)
		if !ok {
			if ValidNHSNumber(nine + "0") {
				t.Errorf("%s: no check digit, but %s0 validates", nine, nine)
			}
			continue
		}
		if !ValidNHSNumber(nine + string(d)) {
			t.Errorf("%s%c does not validate", nine, d)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"2024-02-29", "2024-02-29", true},
		{"2023-02-29", "", false},
		{"2023-13-01", "", false},
		{"2023-1-01", "", false},
		{"1970-01-01", "1970-01-01", true},
		{"1899-12-31", "1899-12-31", true},
		{"20230101", "", false},
	}
	for _, tt := range tests {
		d, err := ParseDate(tt.in)
		if (err == nil) != tt.ok || (tt.ok && d.String() != tt.want) {
			t.Errorf("ParseDate(%q) = %v, %v", tt.in, d, err)
		}
	}
}

// ParseDate reads what time.Parse reads with time.DateOnly, from year 1,
// as the same day; everything else is an error.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-02-29", "2023-02-29", "1970-01-01", "0000-01-01", "0001-01-01", "9999-12-31",
		"2023-1-01", "20230101", "2023-04-31", "2023-00-10", "2023-10-00", "2023-+1-01", "2023/01/01", "１９７０-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		db, errb := ParseDateBytes([]byte(s))
		if d != db || (err == nil) != (errb == nil) {
			t.Fatalf("ParseDate(%q) = %v, %v; ParseDateBytes: %v, %v", s, d, err, db, errb)
		}
		tm, terr := time.Parse(time.DateOnly, s)
		ok := terr == nil && tm.Year() >= 1
		if (err == nil) != ok {
			t.Fatalf("ParseDate(%q): error %v, time.Parse: %v", s, err, terr)
		}
		if ok && d != DateOf(tm) {
			t.Fatalf("ParseDate(%q) = %v, time.Parse: %v", s, d, tm)
		}
	})
}

func BenchmarkParseDate(b *testing.B) {
	dates := []string{"2024-02-29", "1950-07-01", "2026-06-30", "1989-10-04"}
	for i := 0; b.Loop(); i++ {
		if _, err := ParseDate(dates[i%len(dates)]); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAgeAt(t *testing.T) {
	b := MakeDate(2000, time.March, 15)
	for _, tt := range []struct {
		at   Date
		want int
	}{
		{MakeDate(2010, time.March, 14), 9},
		{MakeDate(2010, time.March, 15), 10},
		{MakeDate(2000, time.March, 15), 0},
	} {
		if got := AgeAt(b, tt.at); got != tt.want {
			t.Errorf("AgeAt(%v) = %d, want %d", tt.at, got, tt.want)
		}
	}
}

func TestServiceNames(t *testing.T) {
	for _, s := range Services() {
		got, ok := ParseService(s.String())
		if !ok || got != s {
			t.Errorf("round trip of %v failed", s)
		}
	}
	if _, ok := ParseService("unknown"); ok {
		t.Error("unknown parsed as a service")
	}
	if len(Services()) != 8 {
		t.Errorf("%d services, want 8", len(Services()))
	}
}

func TestNormaliseNHSNumber(t *testing.T) {
	if got := NormaliseNHSNumber("999 123 4567"); got != "9991234567" {
		t.Errorf("got %q", got)
	}
}

// TestCivilAgreesWithTime checks the arithmetic calendar against package
// time on every day of years 1 to 3000, and MakeDate's normalisation of
// days out of a month's range and months out of the year.
func TestCivilAgreesWithTime(t *testing.T) {
	first := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(3000, 12, 31, 0, 0, 0, 0, time.UTC)
	for tm := first; !tm.After(last); tm = tm.AddDate(0, 0, 1) {
		d := Date(tm.Unix() / 86400)
		y, m, dd := tm.Date()
		if gy, gm, gd := d.Civil(); gy != y || gm != m || gd != dd {
			t.Fatalf("%d: Civil %d-%d-%d, want %s", d, gy, gm, gd, tm.Format(time.DateOnly))
		}
		if got := MakeDate(y, m, dd); got != d {
			t.Fatalf("MakeDate(%s) = %d, want %d", tm.Format(time.DateOnly), got, d)
		}
		if d.Year() != y {
			t.Fatalf("%d: Year %d, want %d", d, d.Year(), y)
		}
	}
	for _, c := range []struct {
		y    int
		m    time.Month
		d    int
		want string
	}{
		{2024, 3, 0, "2024-02-29"},
		{2023, 3, 0, "2023-02-28"},
		{2023, 12, 32, "2024-01-01"},
		{2023, 1, -30, "2022-12-01"},
		{2023, 13, 1, "2024-01-01"},
		{2023, 0, 1, "2022-12-01"},
		{-1, 1, 1, "-0001-01-01"},
	} {
		want := time.Date(c.y, c.m, c.d, 0, 0, 0, 0, time.UTC)
		if got := MakeDate(c.y, c.m, c.d); got != Date(want.Unix()/86400) {
			t.Errorf("MakeDate(%d, %d, %d) = %s, want %s", c.y, c.m, c.d, got, c.want)
		}
	}
}

func TestMidYearAge(t *testing.T) {
	d := MakeDate
	tests := []struct {
		birth, at Date
		want      int
	}{
		{d(1950, 6, 30), d(2000, 1, 1), 50},   // 50 at 30 June 2000
		{d(1950, 6, 30), d(2000, 12, 31), 50}, // the same all year
		{d(1950, 7, 1), d(2000, 12, 31), 49},  // the next mid-year cohort
		{d(1950, 7, 1), d(2000, 6, 30), 49},
		{d(2024, 3, 10), d(2024, 4, 1), 0},
		{d(2024, 8, 1), d(2024, 9, 1), 0}, // born after 30 June of the event's year
		{d(2024, 8, 1), d(2025, 9, 1), 0},
		{d(2024, 8, 1), d(2026, 1, 1), 1},
		{d(1920, 1, 1), d(2024, 1, 1), MaxAge}, // 104: top-coded
		{d(1934, 6, 30), d(2024, 1, 1), MaxAge},
		{d(1934, 7, 1), d(2024, 1, 1), 89},
		{d(2024, 8, 1), d(2024, 7, 1), -1}, // before birth
		{NoDate, d(2024, 7, 1), -1},
	}
	for _, tt := range tests {
		if got := MidYearAge(tt.birth, tt.at); got != tt.want {
			t.Errorf("MidYearAge(%v, %v) = %d, want %d", tt.birth, tt.at, got, tt.want)
		}
	}
}

// Every birth date of one mid-year cohort (1 July to 30 June) has the same
// age on every date after the cohort ends: ages say nothing finer of a
// birth date.
func TestMidYearAgeDependsOnlyOnTheCohort(t *testing.T) {
	for y := 1915; y <= 2024; y++ {
		first, last := MakeDate(y-1, time.July, 1), MakeDate(y, time.June, 30)
		for at := MakeDate(y, time.July, 1); at < MakeDate(y+3, time.January, 1); at += 17 {
			want := MidYearAge(first, at)
			for b := first; b <= last; b += 7 {
				if got := MidYearAge(b, at); got != want {
					t.Fatalf("born %v: %d on %v; born %v: %d", b, got, at, first, want)
				}
			}
		}
	}
}
