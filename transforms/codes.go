package transforms

// SNOMED CT concepts the FHIR and Synthea readers map to services
// (docs/feeds.md, "Mapping"). Both formats code encounters and procedures in
// SNOMED CT, so the lists are shared.
var (
	// emergencyAdmissionCodes name an unplanned route into hospital.
	emergencyAdmissionCodes = codeSet(
		"50849002",  // Emergency room admission
		"183460006", // Obstetric emergency hospital admission
		"183478001", // Emergency hospital admission for asthma
		"305351004", // Admission to intensive care unit
		"1505002",   // Hospital admission for isolation
		"25876001",  // Emergency hospital admission
	)
	// primaryCareCodes are encounter types of general practice: routine
	// checks and examinations (Synthea's "wellness" class).
	primaryCareCodes = codeSet(
		"162673000", // General examination of patient
		"410620009", // Well child visit
		"86013001",  // Periodic reevaluation and management of healthy individual
		"308646001", // Death certification
		"394814009", // General practice (specialty)
		"185316007", // Indirect encounter (GP)
	)
	// socialCareCodes name an assessment of care needs or a placement that
	// social care arranges.
	socialCareCodes = codeSet(
		"710824005",       // Assessment of health and social care needs
		"449411000124106", // Admission to skilled nursing facility
	)
	// hospiceCodes: palliative care, commissioned as community services.
	hospiceCodes = codeSet(
		"305336008", // Admission to hospice
		"385763009", // Hospice care
	)
	// afterDeathCodes are encounters that happen after a death by nature:
	// they are not rejected as date_after_death.
	afterDeathCodes = codeSet(
		"308646001", // Death certification
	)
	// urgentCareCodes are A&E type 3 (urgent treatment centre) settings.
	urgentCareCodes = codeSet(
		"702927004", // Urgent care clinic
	)
	// diagnosticTestCodes are procedures counted as diagnostic tests, after
	// the NHS England DM01 groups: imaging, endoscopy, physiological
	// measurement, and common laboratory tests.
	diagnosticTestCodes = codeSet(
		"16335031000119103", // High resolution CT of chest
		"77477000",          // Computerized axial tomography
		"113091000",         // MRI
		"16310003",          // Ultrasonography
		"169230002",         // Ultrasound scan for fetal viability
		"168731009",         // Chest X-ray
		"399208008",         // Plain chest X-ray
		"71651007",          // Mammography
		"24623002",          // Screening mammography
		"73761001",          // Colonoscopy
		"1919006",           // Gastroscopy
		"40701008",          // Echocardiography
		"29303009",          // Electrocardiographic procedure
		"104091002",         // Hemogram, automated
		"117015009",         // Throat culture
		"117010004",         // Urine culture
		"252160004",         // Standard pregnancy test
		"310861008",         // Chlamydia antigen test
		"43396009",          // Hemoglobin A1c measurement
	)
)

func codeSet(codes ...string) map[string]bool {
	m := make(map[string]bool, len(codes))
	for _, c := range codes {
		m[c] = true
	}
	return m
}

// IsEmergencyAdmissionCode reports whether an encounter code names an
// unplanned route into hospital.
func IsEmergencyAdmissionCode(c string) bool { return emergencyAdmissionCodes[c] }

// IsPrimaryCareCode reports whether an encounter code is a general practice
// consultation or check.
func IsPrimaryCareCode(c string) bool { return primaryCareCodes[c] }

// IsSocialCareCode reports whether a code is a care-needs assessment or a
// placement social care arranges.
func IsSocialCareCode(c string) bool { return socialCareCodes[c] }

// IsHospiceCode reports whether a code is hospice care.
func IsHospiceCode(c string) bool { return hospiceCodes[c] }

// IsUrgentCareCode reports whether a code is an urgent treatment centre
// (A&E type 3) setting.
func IsUrgentCareCode(c string) bool { return urgentCareCodes[c] }

// IsDiagnosticTestCode reports whether a procedure code is a diagnostic test.
func IsDiagnosticTestCode(c string) bool { return diagnosticTestCodes[c] }

// IsAfterDeathCode reports whether an encounter code is activity that
// follows a death by nature, such as death certification.
func IsAfterDeathCode(c string) bool { return afterDeathCodes[c] }

// CodeKind is a set of what a code means to the readers: one lookup tells a
// reader everything the lists above say about a code.
type CodeKind uint8

// The kinds of code.
const (
	EmergencyAdmissionCode CodeKind = 1 << iota
	PrimaryCareCode
	SocialCareCode
	HospiceCode
	AfterDeathCode
	UrgentCareCode
	DiagnosticTestCode
)

// codeKinds holds the kinds of the codes in the lists, by the code's
// number: SNOMED CT identifiers are numbers, and a number is found faster
// than a string.
var codeKinds = func() map[uint64]CodeKind {
	m := map[uint64]CodeKind{}
	for kind, set := range map[CodeKind]map[string]bool{
		EmergencyAdmissionCode: emergencyAdmissionCodes, PrimaryCareCode: primaryCareCodes,
		SocialCareCode: socialCareCodes, HospiceCode: hospiceCodes, AfterDeathCode: afterDeathCodes,
		UrgentCareCode: urgentCareCodes, DiagnosticTestCode: diagnosticTestCodes,
	} {
		for c := range set {
			n, _ := codeNumber(c)
			m[n] |= kind
		}
	}
	return m
}()

// codeNumber reads a SNOMED CT identifier: 6 to 18 digits, the first not 0.
func codeNumber(code string) (uint64, bool) {
	if len(code) < 6 || len(code) > 18 || code[0] == '0' {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(code); i++ {
		c := code[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + uint64(c)
	}
	return n, true
}

// KindOf returns what a code means to the readers; 0 for most codes.
func KindOf(code string) CodeKind {
	n, ok := codeNumber(code)
	if !ok {
		return 0
	}
	return codeKinds[n]
}
