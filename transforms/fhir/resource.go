package fhir

import "strings"

// Identifier systems and extensions carecast reads and writes.
const (
	// NHSNumberSystem is the identifier system of the NHS number.
	NHSNumberSystem = "https://fhir.nhs.uk/Id/nhs-number"
	// ODSSystem is the identifier system of ODS organisation codes.
	ODSSystem = "https://fhir.nhs.uk/Id/ods-organization-code"
	// LSOAExtension, on Patient.address, carries the LSOA (2011) of the
	// address as a valueString, for senders that geocode their own
	// addresses and would rather not send postcodes.
	LSOAExtension = "https://carecast.nhs.uk/fhir/StructureDefinition/lsoa11"

	snomedSystem   = "http://snomed.info/sct"
	icd10System    = "http://hl7.org/fhir/sid/icd-10"
	opcs4System    = "http://fhir.nhs.uk/CodeSystem/OPCS-4"
	readv2System   = "http://read.info/readv2"
	ctv3System     = "http://read.info/ctv3"
	actCodeSystem  = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	prioritySystem = "http://terminology.hl7.org/CodeSystem/v3-ActPriority"
	admitSystem    = "http://terminology.hl7.org/CodeSystem/admit-source"
	v20074System   = "http://terminology.hl7.org/CodeSystem/v2-0074"
	obsCatSystem   = "http://terminology.hl7.org/CodeSystem/observation-category"
)

// codeSystems maps FHIR code system URLs to the canonical names.
var codeSystems = map[string]string{
	snomedSystem:                            "SNOMED",
	icd10System:                             "ICD-10",
	"http://hl7.org/fhir/sid/icd-10-uk":     "ICD-10",
	opcs4System:                             "OPCS-4",
	"https://fhir.nhs.uk/CodeSystem/OPCS-4": "OPCS-4",
	readv2System:                            "READ",
	ctv3System:                              "READ",
}

// systemURLs maps canonical code system names to the URLs the writer uses.
var systemURLs = map[string]string{"SNOMED": snomedSystem, "ICD-10": icd10System, "OPCS-4": opcs4System, "READ": readv2System}

// resource holds the elements of the resources carecast reads: one struct
// for every type, decoded from one NDJSON line or Bundle entry, and encoded
// by the Writer. Elements of other types are ignored.
type resource struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id,omitempty"`
	Identifier   []identifier `json:"identifier,omitempty"`
	Status       string       `json:"status,omitempty"`

	// Patient.
	Name                []humanName `json:"name,omitempty"`
	Telecom             []contact   `json:"telecom,omitempty"`
	Gender              string      `json:"gender,omitempty"`
	BirthDate           string      `json:"birthDate,omitempty"`
	DeceasedDateTime    string      `json:"deceasedDateTime,omitempty"`
	Address             []address   `json:"address,omitempty"`
	GeneralPractitioner []reference `json:"generalPractitioner,omitempty"`

	// Encounter.
	Class           *coding          `json:"class,omitempty"`
	Type            []concept        `json:"type,omitempty"`
	ServiceType     *concept         `json:"serviceType,omitempty"`
	Priority        *concept         `json:"priority,omitempty"`
	Period          *period          `json:"period,omitempty"` // also Flag
	ReasonCode      []concept        `json:"reasonCode,omitempty"`
	Hospitalization *hospitalization `json:"hospitalization,omitempty"`
	ServiceProvider *reference       `json:"serviceProvider,omitempty"`

	// Condition, Procedure, Observation, DiagnosticReport, Flag.
	Category          []concept   `json:"category,omitempty"`
	Code              *concept    `json:"code,omitempty"`
	Subject           *reference  `json:"subject,omitempty"`
	Encounter         *reference  `json:"encounter,omitempty"`
	EffectiveDateTime string      `json:"effectiveDateTime,omitempty"`
	EffectivePeriod   *period     `json:"effectivePeriod,omitempty"`
	PerformedDateTime string      `json:"performedDateTime,omitempty"`
	PerformedPeriod   *period     `json:"performedPeriod,omitempty"`
	OnsetDateTime     string      `json:"onsetDateTime,omitempty"`
	RecordedDate      string      `json:"recordedDate,omitempty"`
	Performer         []reference `json:"performer,omitempty"`
}

type identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

type coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

type concept struct {
	Coding []coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

type reference struct {
	Reference  string      `json:"reference,omitempty"`
	Identifier *identifier `json:"identifier,omitempty"`
}

type period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

type extension struct {
	URL         string `json:"url"`
	ValueString string `json:"valueString,omitempty"`
}

type address struct {
	Extension  []extension `json:"extension,omitempty"`
	Use        string      `json:"use,omitempty"`
	Line       []string    `json:"line,omitempty"`
	City       string      `json:"city,omitempty"`
	PostalCode string      `json:"postalCode,omitempty"`
	Period     *period     `json:"period,omitempty"`
}

type humanName struct {
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
}

type contact struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

type hospitalization struct {
	AdmitSource *concept `json:"admitSource,omitempty"`
}

// hasCode reports whether any coding of c has a code for which is returns
// true.
func (c *concept) hasCode(is func(string) bool) bool {
	if c == nil {
		return false
	}
	for _, cd := range c.Coding {
		if is(cd.Code) {
			return true
		}
	}
	return false
}

// first returns the first coding of c with a system carecast knows, as
// canonical system name and code.
func (c *concept) first() (system, code string) {
	if c == nil {
		return "", ""
	}
	for _, cd := range c.Coding {
		if s, ok := codeSystems[cd.System]; ok && cd.Code != "" {
			return s, cd.Code
		}
	}
	return "", ""
}

// refID returns the logical id a reference points to: "Patient/123" →
// "123", "urn:uuid:abc" → "abc", and the value of a conditional reference
// "Organization?identifier=system|value" → "value".
func refID(ref string) string {
	if strings.IndexByte(ref, '?') >= 0 {
		if i := strings.LastIndexByte(ref, '|'); i >= 0 {
			return ref[i+1:]
		}
	}
	if i := strings.LastIndexAny(ref, "/:"); i >= 0 {
		return ref[i+1:]
	}
	return ref
}
