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

// MakeDate returns the Date of year y, month m, day d.
func MakeDate(y int, m time.Month, d int) Date {
	return Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Time returns midnight UTC of d.
func (d Date) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

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
	y, m, _ := d.Time().Date()
	return MakeDate(y, m, 1)
}

// ErrBadDate reports text that is not a YYYY-MM-DD date.
var ErrBadDate = errors.New("not a YYYY-MM-DD date")

// ParseDate reads YYYY-MM-DD without allocating. It rejects impossible dates
// such as 2023-02-30.
func ParseDate(s string) (Date, error) {
	return ParseDateBytes([]byte(s))
}

// ParseDateBytes is ParseDate over bytes.
func ParseDateBytes(b []byte) (Date, error) {
	if len(b) != 10 || b[4] != '-' || b[7] != '-' {
		return NoDate, ErrBadDate
	}
	y, ok1 := digits(b[0:4])
	m, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) || y < 1 {
		return NoDate, ErrBadDate
	}
	return MakeDate(y, time.Month(m), d), nil
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
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

// AgeAt returns the age in whole years on date at of a person born on birth.
func AgeAt(birth, at Date) int {
	by, bm, bd := birth.Time().Date()
	ay, am, ad := at.Time().Date()
	age := ay - by
	if am < bm || (am == bm && ad < bd) {
		age--
	}
	return age
}
