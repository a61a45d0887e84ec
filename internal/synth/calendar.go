package synth

import (
	"slices"
	"time"

	"github.com/yhcr/carecast/canonical"
)

// Easter returns Easter Sunday of year y in the Gregorian calendar, by the
// anonymous Gregorian computus (Meeus/Jones/Butcher).
func Easter(y int) canonical.Date {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return canonical.MakeDate(y, time.Month(month), day)
}

// movedHolidays are the one-off changes to the England and Wales bank
// holidays of recent years (GOV.UK bank holiday announcements): holidays
// moved for VE Day and the Platinum Jubilee, and days added for the state
// funeral and the coronation.
var movedHolidays = map[int]struct{ drop, add []canonical.Date }{
	2020: {drop: []canonical.Date{canonical.MakeDate(2020, time.May, 4)}, add: []canonical.Date{canonical.MakeDate(2020, time.May, 8)}},
	2022: {
		drop: []canonical.Date{canonical.MakeDate(2022, time.May, 30)},
		add: []canonical.Date{canonical.MakeDate(2022, time.June, 2), canonical.MakeDate(2022, time.June, 3),
			canonical.MakeDate(2022, time.September, 19)},
	},
	2023: {add: []canonical.Date{canonical.MakeDate(2023, time.May, 8)}},
}

// BankHolidays returns the England and Wales bank holidays of year y, in date
// order: New Year's Day, Good Friday, Easter Monday, the early May, spring
// and summer bank holidays, Christmas and Boxing Day, with the substitute
// weekdays of the Banking and Financial Dealings Act 1971 when a fixed
// holiday falls at a weekend, and the recent one-off changes.
func BankHolidays(y int) []canonical.Date {
	easter := Easter(y)
	days := []canonical.Date{
		nextWeekday(canonical.MakeDate(y, time.January, 1)),
		easter.AddDays(-2),
		easter.AddDays(1),
		firstMonday(y, time.May),
		lastMonday(y, time.May),
		lastMonday(y, time.August),
	}
	xmas := canonical.MakeDate(y, time.December, 25)
	switch weekday(xmas) {
	case time.Friday: // Boxing Day on Saturday moves to Monday
		days = append(days, xmas, xmas.AddDays(3))
	case time.Saturday:
		days = append(days, xmas.AddDays(2), xmas.AddDays(3))
	case time.Sunday:
		days = append(days, xmas.AddDays(1), xmas.AddDays(2))
	default:
		days = append(days, xmas, xmas.AddDays(1))
	}
	if mv, ok := movedHolidays[y]; ok {
		kept := days[:0]
		for _, d := range days {
			if !slices.Contains(mv.drop, d) {
				kept = append(kept, d)
			}
		}
		days = append(kept, mv.add...)
	}
	slices.Sort(days)
	return days
}

func weekday(d canonical.Date) time.Weekday {
	return time.Weekday((int(d)%7 + 7 + 4) % 7) // 1970-01-01 was a Thursday
}

func nextWeekday(d canonical.Date) canonical.Date {
	for weekday(d) == time.Saturday || weekday(d) == time.Sunday {
		d++
	}
	return d
}

func firstMonday(y int, m time.Month) canonical.Date {
	d := canonical.MakeDate(y, m, 1)
	for weekday(d) != time.Monday {
		d++
	}
	return d
}

func lastMonday(y int, m time.Month) canonical.Date {
	d := canonical.MakeDate(y, m+1, 1) - 1
	for weekday(d) != time.Monday {
		d--
	}
	return d
}
