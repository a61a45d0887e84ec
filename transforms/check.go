package transforms

import "github.com/yhcr/carecast/canonical"

// earliest is the first plausible date of any record: nobody alive in a
// feed was born, nor any activity recorded, before 1900.
var earliest = canonical.MakeDate(1900, 1, 1)

// CheckDate parses a YYYY-MM-DD date and checks that it is plausible: not
// after o.Today (unless Today is unset, zero) and not before 1900. An empty
// s is MissingField; the caller decides whether the date was required.
func (o *Options) CheckDate(s string) (canonical.Date, Reason) {
	if s == "" {
		return canonical.NoDate, MissingField
	}
	d, err := canonical.ParseDate(s)
	if err != nil {
		return canonical.NoDate, BadDate
	}
	return d, o.plausible(d)
}

// CheckDateTime is CheckDate over a FHIR or ISO 8601 dateTime
// ("2021-08-23T03:26:50Z", "1989-10-04T02:25:16-04:00") or a plain date. It
// keeps the date as recorded, in the record's own offset, and returns the
// minute of the day, or -1 when s has no time.
func (o *Options) CheckDateTime(s string) (canonical.Date, int16, Reason) {
	if len(s) <= 10 {
		d, r := o.CheckDate(s)
		return d, -1, r
	}
	d, r := o.CheckDate(s[:10])
	if r != "" {
		return d, -1, r
	}
	if s[10] != 'T' {
		return canonical.NoDate, -1, BadDate
	}
	return d, minuteOf(s[11:]), ""
}

// minuteOf reads the hh:mm at the start of s, or returns -1.
func minuteOf(s string) int16 {
	if len(s) < 5 || s[2] != ':' {
		return -1
	}
	h, m := 0, 0
	for _, c := range []byte{s[0], s[1], s[3], s[4]} {
		if c < '0' || c > '9' {
			return -1
		}
	}
	h = int(s[0]-'0')*10 + int(s[1]-'0')
	m = int(s[3]-'0')*10 + int(s[4]-'0')
	if h > 23 || m > 59 {
		return -1
	}
	return int16(h*60 + m)
}

func (o *Options) plausible(d canonical.Date) Reason {
	switch {
	case o.Today != 0 && d > o.Today:
		return FutureDate
	case d < earliest:
		return ImplausibleDate
	}
	return ""
}

// CheckLife checks a person's death date against their birth: a death
// before birth is DateBeforeBirth.
func CheckLife(birth, death canonical.Date) Reason {
	if death.Valid() && birth.Valid() && death < birth {
		return DateBeforeBirth
	}
	return ""
}

// CheckEventPerson checks that an event on date d is for a known person and
// falls within their life.
func CheckEventPerson(people PersonIndex, key string, d canonical.Date) Reason {
	if people == nil {
		return ""
	}
	birth, death, ok := people.Person(key)
	switch {
	case !ok:
		return UnknownPerson
	case birth.Valid() && d < birth:
		return DateBeforeBirth
	case death.Valid() && d > death:
		return DateAfterDeath
	}
	return ""
}

// NHSNumber normalises s (removing spaces and hyphens) and returns it with
// InvalidNHSNumber when it fails modulus 11.
func NHSNumber(s string) (string, Reason) {
	n := canonical.NormaliseNHSNumber(s)
	if !canonical.ValidNHSNumber(n) {
		return "", InvalidNHSNumber
	}
	return n, ""
}
