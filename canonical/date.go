package canonical

import (
	"errors"
	"time"
)

// Date is a calendar date as days since 1970-01-01, the same representation
// as Parquet's DATE type, so dates cross stages without conversion.
type Date int32

// NoDate marks an absent date.
const NoDate Date = -1 << 31

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return MakeDate(y, m, d)
}

// MakeDate returns the Date of year y, month m, day d, normalising them as
// time.Date does (day 0 is the last day of the month before).
func MakeDate(y int, m time.Month, d int) Date {
	if m < time.January || m > time.December {
		return Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	}
	return Date(daysFromCivil(y, int(m), d))
}

// Time returns midnight UTC of d.
func (d Date) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// Civil returns d's year, month and day, as d.Time().Date() does but by
// arithmetic alone: every event's age and year are taken from it.
func (d Date) Civil() (year int, month time.Month, day int) {
	y, m, dd := civilFromDays(int64(d))
	return y, time.Month(m), dd
}

// Year returns d's year.
func (d Date) Year() int {
	y, _, _ := civilFromDays(int64(d))
	return y
}

// daysFromCivil and civilFromDays convert between proleptic Gregorian
// dates and days since 1970-01-01, counting in 400-year eras of 146,097
// days with years starting on 1 March (H. Hinnant, "chrono-compatible
// low-level date algorithms"). Days out of a month's range roll over.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	if y >= 0 && m >= 1 && m <= 12 && d >= 0 {
		// Every date read from a record: unsigned division by constants
		// is a multiplication, without the fix-ups of signed division.
		uy := uint64(y)
		era := uy / 400
		yoe := uy - era*400
		doy := (153*uint64((m+9)%12)+2)/5 + uint64(d) - 1
		doe := yoe*365 + yoe/4 - yoe/100 + doy
		return int64(era*146097+doe) - 719468
	}
	era := floorDiv(int64(y), 400)
	yoe := int64(y) - era*400
	mp := int64(m+9) % 12
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civilFromDays(z int64) (y, m, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// Valid reports whether d is a date rather than NoDate.
func (d Date) Valid() bool { return d != NoDate }

func (d Date) String() string {
	if d == NoDate {
		return ""
	}
	return d.Time().Format(time.DateOnly)
}

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return d + Date(n) }

// MonthStart returns the first day of d's month.
func (d Date) MonthStart() Date {
	y, m, _ := d.Civil()
	return MakeDate(y, m, 1)
}

// ErrBadDate reports text that is not a YYYY-MM-DD date.
var ErrBadDate = errors.New("not a YYYY-MM-DD date")

// ParseDate reads YYYY-MM-DD without allocating. It rejects impossible dates
// such as 2023-02-29.
func ParseDate(s string) (Date, error) { return parseDate(s) }

// ParseDateBytes is ParseDate over bytes.
func ParseDateBytes(b []byte) (Date, error) { return parseDate(b) }

// parseDate reads every date of every record: its digits are checked and
// read one by one, with no loop and no copy of a string to bytes.
func parseDate[T string | []byte](b T) (Date, error) {
	if len(b) != 10 || b[4] != '-' || b[7] != '-' {
		return NoDate, ErrBadDate
	}
	y0, y1, y2, y3 := b[0]-'0', b[1]-'0', b[2]-'0', b[3]-'0'
	m0, m1, d0, d1 := b[5]-'0', b[6]-'0', b[8]-'0', b[9]-'0'
	if y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || m0 > 9 || m1 > 9 || d0 > 9 || d1 > 9 {
		return NoDate, ErrBadDate
	}
	y := int(y0)*1000 + int(y1)*100 + int(y2)*10 + int(y3)
	m := int(m0)*10 + int(m1)
	d := int(d0)*10 + int(d1)
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) || y < 1 {
		return NoDate, ErrBadDate
	}
	return Date(daysFromCivil(y, m, d)), nil
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// MaxAge is the top-coded age: every age carecast writes is at most 90,
// and 90 stands for 90 and over.
const MaxAge = 90

// MidYearAge is the age carecast writes for an event on date d: the age at
// 30 June of d's year — the ONS mid-year convention of the population
// denominators —, 0 for a child born after that 30 June, top-coded at
// MaxAge; -1 when birth is unknown or after d. It depends on the birth
// date only through its mid-year cohort (1 July to 30 June), so no set of
// published (date, age) pairs narrows a birth date to less than a year.
func MidYearAge(birth, d Date) int {
	if !birth.Valid() || !d.Valid() {
		return -1
	}
	return MidYearAgeOf(birth, MidYearCohort(birth), d, d.Year())
}

// MidYearCohort returns the mid-year cohort of a valid birth date: the year
// of the 30 June that ends the year (1 July to 30 June) it falls in.
func MidYearCohort(birth Date) int {
	y, m, _ := birth.Civil()
	if m > time.June {
		y++
	}
	return y
}

// MidYearAgeOf is MidYearAge(birth, d) given the birth's MidYearCohort and
// d's year, as a stage that writes many ages of one person keeps them: two
// calendar conversions for every event were a tenth of pseudonymising it.
func MidYearAgeOf(birth Date, cohort int, d Date, year int) int {
	if !birth.Valid() || !d.Valid() || birth > d {
		return -1
	}
	return min(max(year-cohort, 0), MaxAge)
}

// AgeAt returns the age in whole years on date at of a person born on birth.
func AgeAt(birth, at Date) int {
	by, bm, bd := birth.Civil()
	ay, am, ad := at.Civil()
	age := ay - by
	if am < bm || (am == bm && ad < bd) {
		age--
	}
	return age
}
