package transforms

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestShapes(t *testing.T) {
	tests := []struct {
		name  string
		shape func(string) bool
		ok    []string
		bad   []string
	}{
		{"ODS org", IsODSOrg,
			[]string{"RR8", "RXF", "TAD", "NT3", "03R", "QWO", "8J0"},
			[]string{"", "rr8", "RR", "RR80", "999", "R R", "RR8 "}},
		{"ODS site", IsODSSite,
			[]string{"RR801", "NTPAD", "NQT5F", "8J094", "RXF0A"},
			[]string{"RR8", "RR8011", "M11AA", "rr801", "RR 01", "12345"}},
		{"GP practice", IsGPPractice,
			[]string{"B86001", "Y00058", "A81001"},
			[]string{"B8600", "b86001", "886001", "B8600A", "HD58XY", "LS14AB"}},
		{"ODS code", IsODSCode,
			[]string{"RR8", "RR801", "B86001"},
			[]string{"Mrs Jane Smith HD5 8XY", "9434765919", "HD5 8XY", "HD58XY", "jane", "Jane", "RR8-01"}},
		{"local authority", IsLocalAuthorityCode,
			[]string{"E08000034", "E06000010", "E07000163", "E09000001", "W06000015"},
			[]string{"E08000", "E54000054", "E01011107", "S12000033", "e08000034", "E0800003X"}},
		{"provider", IsProvider,
			[]string{"RWA", "RR801", "B81001", "E08000034"},
			[]string{"Mrs Jane Smith HD5 8XY", "St James's", "E01011107", ""}},
		{"UUID", IsUUID,
			[]string{"8da4b26f-9f34-3540-bb61-345286bc82f3", "7958C284-0448-31D2-A407-2EB65F7F8CB2"},
			[]string{"8da4b26f9f343540bb61345286bc82f3", "8da4b26f-9f34-3540-bb61-345286bc82fg", "Jane Smith"}},
		{"SNOMED CT", IsSNOMED,
			[]string{"827241000000103", "827261000000102", "50849002", "1505002", "16335031000119103", "185316007", "449411000124106"},
			[]string{
				"", "0123456", "12345", "50849003", // wrong check digit
				"827241000000113",      // a description, not a concept (partition 01)
				"9434765919",           // a valid NHS number
				"SNOMED CT", "5084900", // too short after partition
				"1234567890123456789", // too long
				"50849 002",
				"10939881000119104", // in Synthea's export, with a wrong check digit
			}},
		{"ICD-10", IsICD10,
			[]string{"I21", "I21.0", "I210", "R69X", "J18.9", "U07.1", "M2331", "G01*", "A17.0D", "I21X-"},
			[]string{"", "I2", "i21", "121", "I21.", "I21..0", "I21.0.0", "I2100000", "IA1", "M11AA", "HD5 8XY", "I21 0"}},
		{"OPCS-4", IsOPCS4,
			[]string{"H229", "H22.9", "X403", "W401"},
			[]string{"H22", "H2299", "h229", "H22.99", "HX29", "H2.29"}},
		{"Read v2", IsReadV2,
			[]string{"9Nu0", "9Nu1", "9Nu0.", "G30..", "G30..00", "H33", "XaBVJ", "Eu3.."},
			[]string{"", "Smith", "Jones", "Brown", ".G30", "G.30.", "G30...", "9Nu0 ", "G30..0", "G30.0000", "Jane Smith"}},
		{"LOINC", IsLOINC,
			[]string{"2345-7", "8867-4", "4548-4", "72514-3"},
			[]string{"2345-6", "2345", "23457", "-7", "2345-", "02345-7", "12345678-9", "QALY"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range tt.ok {
				if !tt.shape(v) {
					t.Errorf("%q refused", v)
				}
			}
			for _, v := range tt.bad {
				if tt.shape(v) {
					t.Errorf("%q accepted", v)
				}
			}
		})
	}
}

// The Verhoeff check of SNOMED CT identifiers catches every single wrong
// digit: each digit of each real code in testdata, replaced by each other
// digit, fails it.
func TestVerhoeffCatchesEveryWrongDigit(t *testing.T) {
	b, err := os.ReadFile("testdata/snomed_synthea.txt")
	if err != nil {
		t.Fatal(err)
	}
	codes := strings.Fields(string(b))
	if len(codes) < 100 {
		t.Fatalf("only %d codes", len(codes))
	}
	for _, code := range codes {
		if !verhoeffValid(code) {
			t.Errorf("%s: check digit refused", code)
		}
		for i := range len(code) {
			for d := byte('0'); d <= '9'; d++ {
				if d == code[i] {
					continue
				}
				wrong := code[:i] + string(d) + code[i+1:]
				if verhoeffValid(wrong) {
					t.Errorf("%s: digit %d as %c passes the check", code, i, d)
				}
			}
		}
	}
}

// Real code lists (testdata/README.md) all pass their checks: the checks
// refuse what real feeds never send, not what they do.
func TestShapesAcceptRealCodes(t *testing.T) {
	for _, tt := range []struct {
		file  string
		shape func(string) bool
	}{
		{"testdata/snomed_synthea.txt", IsSNOMED},
		{"testdata/loinc_synthea.txt", IsLOINC},
		{"testdata/ods_ae_providers.txt", IsODSCode},
	} {
		f, err := os.Open(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v := strings.TrimSpace(sc.Text()); v != "" {
				n++
				if CheckShape(v, tt.shape) != "" {
					t.Errorf("%s: %q refused", tt.file, v)
				}
			}
		}
		f.Close()
		if n < 100 {
			t.Errorf("%s: only %d codes", tt.file, n)
		}
	}
	// Every SNOMED CT code the readers map is a valid identifier.
	for _, m := range []map[string]bool{emergencyAdmissionCodes, primaryCareCodes, socialCareCodes,
		hospiceCodes, afterDeathCodes, urgentCareCodes, diagnosticTestCodes} {
		for c := range m {
			if !IsSNOMED(c) {
				t.Errorf("mapped code %s is not a SNOMED CT concept id", c)
			}
		}
	}
}

func TestIdentifierLike(t *testing.T) {
	for _, s := range []string{"9434765919", "4010232137", "HD5 8XY", "HD58XY", "M1 1AA", "M11AA", "LS1 4AB",
		"EC1A 1BB", "W1A 0AX", "hd5 8xy", "B33 8TH", "CR2 6XH", "DN55 1PT"} {
		if !identifierLike(s) {
			t.Errorf("%q not seen as an identifier", s)
		}
	}
	for _, s := range []string{"1149222004", "RR801", "B86001", "E08000034", "H22.9", "2345-7", "9434765918", "RR8AB"} {
		if identifierLike(s) {
			t.Errorf("%q seen as an identifier", s)
		}
	}
}

func TestCheckCode(t *testing.T) {
	local, err := LocalCodeSystem("LTH-PROC", "https://fhir.leedsth.nhs.uk/CodeSystem/proc", `LP[0-9]{4}`)
	if err != nil {
		t.Fatal(err)
	}
	o := &Options{LocalCodeSystems: []CodeSystem{local}}
	tests := []struct {
		system, code string
		want         Reason
	}{
		{"", "", ""},
		{"SNOMED", "50849002", ""},
		{"SNOMED", "9434765919", BadValue}, // another person's NHS number
		{"SNOMED", "Mrs Jane Smith HD5 8XY", BadValue},
		{"ICD-10", "J18.9", ""},
		{"ICD-10", "50849002", BadValue},
		{"OPCS-4", "H22.9", ""},
		{"READ", "9Nu0", ""},
		{"LOINC", "2345-7", ""},
		{"SNOMED CT", "50849002", UnknownCode},
		{"LTH-PROC", "LP0042", ""},
		{"LTH-PROC", "LP42", BadValue},
		{"", "50849002", MissingField},
		{"SNOMED", "", MissingField},
	}
	for _, tt := range tests {
		if got := o.CheckCode(tt.system, tt.code); got != tt.want {
			t.Errorf("CheckCode(%q, %q) = %q, want %q", tt.system, tt.code, got, tt.want)
		}
	}
	if cs, ok := o.CodeSystemByURI("http://snomed.info/sct"); !ok || cs.Name != SNOMED {
		t.Errorf("SNOMED CT by URI: %v %v", cs, ok)
	}
	if cs, ok := o.CodeSystemByURI(local.URI); !ok || cs.Name != "LTH-PROC" {
		t.Errorf("local system by URI: %v %v", cs, ok)
	}
	if _, ok := o.CodeSystemByURI("http://example.org/unknown"); ok {
		t.Error("an unknown URI was found")
	}
}

func TestLocalCodeSystemRefusesLoosePatterns(t *testing.T) {
	tests := []struct{ name, uri, pattern string }{
		{"LOCAL", "", `.*`},
		{"LOCAL", "", `[A-Za-z ]+`},
		{"LOCAL", "", `[0-9]{10}`},                  // admits NHS numbers
		{"LOCAL", "", `[A-Z0-9]{2,4}[0-9][A-Z]{2}`}, // admits postcodes without a space
		{"LOCAL", "", `[A-Za-z]+`},                  // admits a surname
		{"LOCAL", "", `[0-9 ]+`},                    // admits spaces
		{"LOCAL", "", `(`},                          // does not compile
		{"SNOMED", "", `LP[0-9]{4}`},                // a built-in name
		{"local", "", `LP[0-9]{4}`},                 // not an upper-case name
		{"LOCAL", "http://snomed.info/sct", `LP[0-9]{4}`},
	}
	for _, tt := range tests {
		if _, err := LocalCodeSystem(tt.name, tt.uri, tt.pattern); !errors.Is(err, ErrLocalCodeSystem) {
			t.Errorf("LocalCodeSystem(%q, %q, %q) = %v, want ErrLocalCodeSystem", tt.name, tt.uri, tt.pattern, err)
		}
	}
}

// FuzzShapes checks the promise of every shape: whatever the input, no
// check panics, and nothing any check accepts through CheckShape or
// CheckCode has a space, or the shape of an NHS number or a postcode.
func FuzzShapes(f *testing.F) {
	for _, s := range []string{"RR801", "B86001", "E08000034", "827241000000103", "J18.9", "H22.9", "G30..00",
		"2345-7", "9434765919", "HD5 8XY", "Mrs Jane Smith HD5 8XY", "8da4b26f-9f34-3540-bb61-345286bc82f3", ""} {
		f.Add(s)
	}
	o := &Options{}
	shapes := []func(string) bool{IsODSCode, IsODSOrg, IsODSSite, IsGPPractice, IsLocalAuthorityCode,
		IsProvider, IsUUID, IsSNOMED, IsICD10, IsOPCS4, IsReadV2, IsLOINC}
	f.Fuzz(func(t *testing.T, s string) {
		accepted := false
		for _, shape := range shapes {
			if s != "" && CheckShape(s, shape) == "" {
				accepted = true
			}
		}
		for _, b := range builtinSystems {
			if o.CheckCode(b.Name, s) == "" && s != "" {
				accepted = true
			}
		}
		if accepted && (strings.ContainsAny(s, " \t\n") || nhsNumberLike(s) || isPostcode(s) || len(s) > 36) {
			t.Errorf("%q accepted", s)
		}
	})
}
