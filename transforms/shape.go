package transforms

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/yhcr/carecast/canonical"
)

// Shape checks for pass-through fields: values a reader copies from a feed
// into the outputs as they are (providers, practices, clinical codes). A
// value that does not have its field's shape is rejected with BadValue,
// naming the field and never echoing the value: it may be free text typed
// into the wrong field — a name, an address, somebody's NHS number.
//
// Every check is allocation-free and looks at bytes only: readers call them
// once a record. Beyond its own shape, no accepted value has the shape of an
// NHS number (10 digits valid under modulus 11) or of a postcode; see
// identifierLike. What a shape cannot tell apart is documented in
// docs/privacy.md: a five-letter upper-case word has the shape of an ODS
// site code.

// IsODSCode reports whether s has the shape of an ODS organisation code: an
// organisation (IsODSOrg), a site (IsODSSite) or a GP practice
// (IsGPPractice).
func IsODSCode(s string) bool {
	return IsODSOrg(s) || IsODSSite(s) || IsGPPractice(s)
}

// IsODSOrg reports whether s has the shape of the three-character ODS code
// of an organisation: an NHS trust (RR8), care trust (TAD), independent
// provider (NT3), sub-ICB location (03R) or ICB (QWO) — three upper-case
// letters or digits, not all digits.
func IsODSOrg(s string) bool {
	return len(s) == 3 && upperAlnum(s) && !allDigits(s)
}

// IsODSSite reports whether s has the shape of a five-character ODS site
// code: an organisation's code and two more characters (RR801, NTPAD,
// NQT5F), and not the shape of a postcode written without its space
// (M11AA).
func IsODSSite(s string) bool {
	return len(s) == 5 && IsODSOrg(s[:3]) && upperAlnum(s[3:]) && !isPostcode(s)
}

// IsGPPractice reports whether an ODS code has the shape of a GP practice
// code: a letter and five digits (B86001), where trusts have three
// characters (RR8) and their sites five (RR801).
func IsGPPractice(ods string) bool {
	if len(ods) != 6 || ods[0] < 'A' || ods[0] > 'Z' {
		return false
	}
	return allDigits(ods[1:])
}

// IsLocalAuthorityCode reports whether s has the shape of the ONS (GSS) code
// of a local authority, the provider of social care: E06, E07, E08, E09 or
// W06 and six digits (E08000034).
func IsLocalAuthorityCode(s string) bool {
	if len(s) != 9 || !allDigits(s[3:]) || s[1] != '0' {
		return false
	}
	switch s[0] {
	case 'E':
		return s[2] >= '6' && s[2] <= '9'
	case 'W':
		return s[2] == '6'
	}
	return false
}

// IsProvider reports whether s has the shape of a providing organisation in
// a canonical CSV feed: an ODS code, or a local authority's code.
func IsProvider(s string) bool { return IsODSCode(s) || IsLocalAuthorityCode(s) }

// IsUUID reports whether s is a UUID in its canonical text form
// (8-4-4-4-12 hex digits), as Synthea identifies organisations.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

// IsSNOMED reports whether s is a SNOMED CT concept identifier: 6 to 18
// digits, no leading zero, a concept partition (the second and third digits
// from the right are 00 or 10) and a right Verhoeff check digit (the last).
// A 10-digit value that is a valid NHS number outside the range SNOMED CT
// uses for 10-digit concepts (they begin with 1) is refused: it is more
// likely someone's NHS number than a concept.
func IsSNOMED(s string) bool {
	n := len(s)
	if n < 6 || n > 18 || s[0] == '0' || !allDigits(s) {
		return false
	}
	if p := s[n-3 : n-1]; p != "00" && p != "10" {
		return false
	}
	return verhoeffValid(s) && !nhsNumberLike(s)
}

// IsICD10 reports whether s has the shape of an ICD-10 code as English
// hospital data write it: a letter, two digits, and optionally a fourth
// character (a digit, or X as filler), with or without a dot, a fifth digit
// and one trailing marker (dagger D or +, asterisk A or *, or -): I21, I21.0,
// I210, R69X, M2331, G01XA.
func IsICD10(s string) bool {
	if len(s) < 3 || len(s) > 7 || !isUpper(s[0]) || !isDigit(s[1]) || !isDigit(s[2]) {
		return false
	}
	rest := s[3:]
	if rest == "" {
		return true
	}
	if rest[0] == '.' {
		rest = rest[1:]
		if rest == "" || !isDigit(rest[0]) && rest[0] != 'X' {
			return false // a dot is followed by the fourth character
		}
	}
	if isDigit(rest[0]) || rest[0] == 'X' {
		rest = rest[1:]
		if rest != "" && isDigit(rest[0]) {
			rest = rest[1:]
		}
	}
	switch rest {
	case "", "D", "A", "+", "*", "-":
		return true
	}
	return false
}

// IsOPCS4 reports whether s has the shape of an OPCS-4 procedure code: a
// letter and three digits, with or without a dot after the second digit
// (H22.9, H229).
func IsOPCS4(s string) bool {
	switch len(s) {
	case 4:
		return isUpper(s[0]) && allDigits(s[1:])
	case 5:
		return isUpper(s[0]) && isDigit(s[1]) && isDigit(s[2]) && s[3] == '.' && isDigit(s[4])
	}
	return false
}

// IsReadV2 reports whether s has the shape of a Read v2 code: one to five
// letters or digits (case matters in Read), padded with dots to five
// characters or not (9Nu0, 9Nu0., G30..), optionally followed by a
// two-digit term code (G30..00). A capitalised word of four or five letters
// (Smith, Jones) has the shape of no Read code in use and is refused.
func IsReadV2(s string) bool {
	code := s
	if len(s) == 7 && allDigits(s[5:]) {
		code = s[:5]
	}
	if len(code) == 0 || len(code) > 5 || code[0] == '.' {
		return false
	}
	dots := false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == '.':
			dots = true
		case dots || !isAlnum(c):
			return false // a dot pads only the end
		}
	}
	if len(code) != len(s) && len(code) != 5 {
		return false // a term code follows the padded five characters
	}
	return !capitalisedWord(code)
}

// IsLOINC reports whether s is a LOINC code: one to seven digits, a hyphen
// and the mod-10 (Luhn) check digit of those digits (2345-7, 8867-4).
func IsLOINC(s string) bool {
	n := len(s)
	if n < 3 || n > 9 || s[n-2] != '-' || !isDigit(s[n-1]) || !allDigits(s[:n-2]) || s[0] == '0' && n > 3 {
		return false
	}
	return luhnDigit(s[:n-2]) == s[n-1]
}

// The code systems every reader knows, by their canonical names (the
// code_system column of activity).
const (
	ICD10  = "ICD-10"
	SNOMED = "SNOMED"
	OPCS4  = "OPCS-4"
	Read   = "READ"
	LOINC  = "LOINC"
)

// CodeSystem is a code system whose codes may pass through to the outputs:
// one of the built-in systems, or a partner's local system declared in
// config (feeds[].local_code_systems), whose codes must match its pattern.
type CodeSystem struct {
	// Name is what the activity table's code_system column says.
	Name string
	// URI is the system's FHIR coding.system, "" when it has none.
	URI   string
	valid func(string) bool
}

// Valid reports whether code has the shape of a code of the system. No
// code with the shape of an NHS number or a postcode is valid in any
// system.
func (c *CodeSystem) Valid(code string) bool { return c.valid(code) && !identifierLike(code) }

var builtinSystems = []CodeSystem{
	{Name: SNOMED, URI: "http://snomed.info/sct", valid: IsSNOMED},
	{Name: ICD10, URI: "http://hl7.org/fhir/sid/icd-10", valid: IsICD10},
	{Name: OPCS4, URI: "https://fhir.hl7.org.uk/Id/opcs-4", valid: IsOPCS4},
	{Name: Read, URI: "http://read.info/readv2", valid: IsReadV2},
	{Name: LOINC, URI: "http://loinc.org", valid: IsLOINC},
}

// ErrLocalCodeSystem reports a local code system declaration that cannot
// be used: its name clashes or its pattern admits identifiers or free text.
var ErrLocalCodeSystem = errors.New("local code system")

var (
	localNameShape = regexp.MustCompile(`^[A-Z][A-Z0-9-]{1,19}$`)
	// probes are values no code system's pattern may admit: each is
	// something identifying or free text a pattern written too loosely
	// would let through.
	probes = []string{
		"", " ", "9434765919", "943 476 5919", "LS1 4AB", "LS14AB", "M1 1AA", "M11AA",
		"Jane Smith", "Smith", "SMITH JANE", "jane.smith@example.com", "07700900123",
		"+44 7700 900123", "2001-02-03", "03/02/2001", "1 High Street", "Mrs J Smith HD5 8XY",
	}
)

// LocalCodeSystem returns a partner's local code system. name is written
// to the code_system column (upper-case letters, digits and hyphens, 2 to
// 20, not a built-in name); pattern is a regular expression (RE2 syntax)
// that every code must match whole; uri, optional, is the system's FHIR
// coding.system. A pattern that admits spaces, any of a set of probe
// identifiers (an NHS number, postcodes, names, a date, a phone number) or
// codes over 20 characters is refused: a local code is a code, not free
// text.
func LocalCodeSystem(name, uri, pattern string) (CodeSystem, error) {
	if !localNameShape.MatchString(name) {
		return CodeSystem{}, fmt.Errorf("%w: name %q: use 2 to 20 upper-case letters, digits and hyphens, starting with a letter", ErrLocalCodeSystem, name)
	}
	for _, b := range builtinSystems {
		if b.Name == name || uri != "" && b.URI == uri {
			return CodeSystem{}, fmt.Errorf("%w %s: clashes with the built-in system %s", ErrLocalCodeSystem, name, b.Name)
		}
	}
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		return CodeSystem{}, fmt.Errorf("%w %s: pattern: %w", ErrLocalCodeSystem, name, err)
	}
	for _, p := range probes {
		if re.MatchString(p) {
			return CodeSystem{}, fmt.Errorf("%w %s: pattern admits free text or an identifier (it matches %q); make it match the codes only", ErrLocalCodeSystem, name, p)
		}
	}
	if re.MatchString("A B") || re.MatchString("1 2") {
		return CodeSystem{}, fmt.Errorf("%w %s: pattern admits spaces", ErrLocalCodeSystem, name)
	}
	valid := func(s string) bool { return len(s) <= 20 && re.MatchString(s) }
	return CodeSystem{Name: name, URI: uri, valid: valid}, nil
}

// CodeSystem returns the code system named name (a built-in name or one of
// o.LocalCodeSystems), or false.
func (o *Options) CodeSystem(name string) (*CodeSystem, bool) {
	return o.findSystem(func(c *CodeSystem) bool { return c.Name == name })
}

// CodeSystemByURI returns the code system whose FHIR coding.system is uri,
// or false.
func (o *Options) CodeSystemByURI(uri string) (*CodeSystem, bool) {
	return o.findSystem(func(c *CodeSystem) bool { return uri != "" && c.URI == uri })
}

func (o *Options) findSystem(match func(*CodeSystem) bool) (*CodeSystem, bool) {
	for _, systems := range [][]CodeSystem{builtinSystems, o.LocalCodeSystems} {
		for i := range systems {
			if match(&systems[i]) {
				return &systems[i], true
			}
		}
	}
	return nil, false
}

// CheckCode checks a clinical code and its system: UnknownCode when the
// system is neither built in nor declared, BadValue when the code does not
// have the system's shape, "" when both are fine. An empty system with an
// empty code is an uncoded record and fine; a code without its system is
// MissingField.
func (o *Options) CheckCode(system, code string) Reason {
	switch {
	case system == "" && code == "":
		return ""
	case system == "":
		return MissingField
	case code == "":
		return MissingField
	}
	cs, ok := o.CodeSystem(system)
	if !ok {
		return UnknownCode
	}
	if !cs.Valid(code) {
		return BadValue
	}
	return ""
}

// CheckShape returns BadValue when a non-empty value does not satisfy
// shape, or has the shape of an NHS number or a postcode; "" otherwise. An
// empty value is the caller's to judge (required or not).
func CheckShape(value string, shape func(string) bool) Reason {
	if value == "" || shape(value) && !identifierLike(value) {
		return ""
	}
	return BadValue
}

// identifierLike reports whether s has the shape of an NHS number (10
// digits valid under modulus 11, see nhsNumberLike) or of a postcode, with
// or without its space: what must never pass through any field, whatever
// the field's own shape admits.
func identifierLike(s string) bool { return nhsNumberLike(s) || isPostcode(s) }

// nhsNumberLike reports whether s is 10 digits valid under modulus 11 that
// do not begin with 1: NHS numbers are issued from 300 million up (and
// Scotland's CHI numbers begin with a day of the month, 0 to 3), while the
// 10-digit SNOMED CT concepts begin with 1.
func nhsNumberLike(s string) bool {
	return len(s) == 10 && s[0] != '1' && canonical.ValidNHSNumber(s)
}

// isPostcode reports whether s has the shape of a UK postcode, with one
// space before its inward code or none: A9 9AA, A99 9AA, A9A 9AA, AA9 9AA,
// AA99 9AA, AA9A 9AA, in either case.
func isPostcode(s string) bool {
	n := len(s)
	if n < 5 || n > 8 {
		return false
	}
	// Inward code: digit, letter, letter.
	if !isLetter(s[n-1]) || !isLetter(s[n-2]) || !isDigit(s[n-3]) {
		return false
	}
	out := s[:n-3]
	if out[len(out)-1] == ' ' {
		out = out[:len(out)-1]
	}
	// Outward code: one or two letters, a digit, then a digit or letter.
	if len(out) < 2 || len(out) > 4 || !isLetter(out[0]) {
		return false
	}
	i := 1
	if isLetter(out[i]) {
		i++
	}
	if i >= len(out) || !isDigit(out[i]) {
		return false
	}
	i++
	if i < len(out) && isAlnum(out[i]) {
		i++
	}
	return i == len(out)
}

// capitalisedWord reports whether s is an upper-case letter and three or
// four lower-case ones, the shape of a surname.
func capitalisedWord(s string) bool {
	if len(s) < 4 || !isUpper(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// verhoeffValid reports whether the digits of s end in their right
// Verhoeff check digit (the check SNOMED CT identifiers carry). s must be
// digits only.
func verhoeffValid(s string) bool {
	var c uint8
	for i := 0; i < len(s); i++ {
		c = verhoeffStep[i%8][c][s[len(s)-1-i]-'0']
	}
	return c == 0
}

// verhoeffStep[i][c][d] is verhoeffD[c][verhoeffP[i][d]]: one lookup a
// digit, where two lookups of ints made the check most of the time of
// reading a coded event.
var verhoeffStep = func() (t [8][10][10]uint8) {
	for i := range t {
		for c := range t[i] {
			for d := range t[i][c] {
				t[i][c][d] = uint8(verhoeffD[c][verhoeffP[i][d]])
			}
		}
	}
	return t
}()

// The Verhoeff tables: multiplication in the dihedral group D5, and the
// permutation applied to each position.
var (
	verhoeffD = [10][10]int{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
		{1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
		{2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
		{3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
		{4, 0, 1, 2, 3, 9, 5, 6, 7, 8},
		{5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2},
		{7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
		{8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
		{9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
	}
	verhoeffP = [8][10]int{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
		{1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
		{5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
		{8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
		{9, 4, 5, 3, 1, 2, 6, 8, 7, 0},
		{4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5},
		{7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
	}
)

// luhnDigit returns the mod-10 (Luhn) check digit of a string of digits,
// the check LOINC codes carry.
func luhnDigit(digits string) byte {
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isUpper(c byte) bool  { return 'A' <= c && c <= 'Z' }
func isLetter(c byte) bool { return isUpper(c) || 'a' <= c && c <= 'z' }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) }
func isHex(c byte) bool    { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func upperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && !isUpper(s[i]) {
			return false
		}
	}
	return true
}
