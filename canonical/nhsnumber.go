package canonical

// ValidNHSNumber reports whether s is a 10-digit NHS number whose check
// digit is right under modulus 11 (NHS Data Dictionary): the first nine
// digits weighted 10 down to 2, check = 11 − (sum mod 11), 11 → 0, and 10
// never valid.
func ValidNHSNumber(s string) bool {
	if len(s) != 10 {
		return false
	}
	sum := 0
	for i := 0; i < 10; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		if i < 9 {
			sum += int(c-'0') * (10 - i)
		}
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(s[9]-'0')
}

// NHSNumberCheckDigit returns the check digit for the first nine digits of
// an NHS number, and false when no digit makes them valid.
func NHSNumberCheckDigit(nine string) (byte, bool) {
	if len(nine) != 9 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		c := nine[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		sum += int(c-'0') * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	if check == 10 {
		return 0, false
	}
	return byte('0' + check), true
}

// NormaliseNHSNumber removes the spaces and hyphens people write NHS numbers
// with ("999 123 4567", "999-123-4567") and returns the digits.
func NormaliseNHSNumber(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == '-' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, 10)
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && s[i] != '-' {
			b = append(b, s[i])
		}
	}
	return string(b)
}
