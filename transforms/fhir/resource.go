package fhir

import (
	"bytes"
	"strings"

	"github.com/yhcr/carecast/transforms"
)

// Identifier systems and extensions carecast reads and writes.
const (
	// NHSNumberSystem is the identifier system of the NHS number.
	NHSNumberSystem = "https://fhir.nhs.uk/Id/nhs-number"
	// ODSSystem is the identifier system of ODS organisation codes.
	ODSSystem = "https://fhir.nhs.uk/Id/ods-organization-code"
	// odsSiteSystem is the identifier system of ODS site codes (a trust's
	// hospitals), which UK Core also uses for organisations.
	odsSiteSystem = "https://fhir.nhs.uk/Id/ods-site-code"
	// LSOAExtension, on Patient.address, carries the LSOA (2011) of the
	// address as a valueString, for senders that geocode their own
	// addresses and would rather not send postcodes.
	LSOAExtension = "https://carecast.nhs.uk/fhir/StructureDefinition/lsoa11"
	// LSOA21Extension is LSOAExtension for the LSOA of the 2021 census.
	LSOA21Extension = "https://carecast.nhs.uk/fhir/StructureDefinition/lsoa21"
	// nhsVerificationExtension, inside the NHS number identifier of a UK
	// Core Patient, says whether the number was traced on the NHS Spine.
	nhsVerificationExtension = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
	// admissionMethodExtension, on Encounter.hospitalization, carries the
	// NHS Data Dictionary admission method of a UK Core inpatient
	// Encounter: 11-13 elective, 21-2D emergency, 31-32 maternity.
	admissionMethodExtension = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AdmissionMethod"

	snomedSystem   = "http://snomed.info/sct"
	loincSystem    = "http://loinc.org"
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

// codeSystems maps the FHIR code system URLs NHS systems write, beside
// the built-in ones of transforms (Options.CodeSystemByURI), to the
// canonical names.
var codeSystems = map[string]string{
	snomedSystem:                            transforms.SNOMED,
	icd10System:                             transforms.ICD10,
	"http://hl7.org/fhir/sid/icd-10-uk":     transforms.ICD10,
	opcs4System:                             transforms.OPCS4,
	"https://fhir.nhs.uk/CodeSystem/OPCS-4": transforms.OPCS4,
	"https://fhir.hl7.org.uk/Id/opcs-4":     transforms.OPCS4,
	readv2System:                            transforms.Read,
	ctv3System:                              transforms.Read,
}

// systemURLs maps canonical code system names to the URLs the writer uses.
var systemURLs = map[string]string{"SNOMED": snomedSystem, "ICD-10": icd10System, "OPCS-4": opcs4System, "READ": readv2System}

// ref is a reference as written, split into what resolves it. FHIR writes
// references in many ways; all of these name the Patient "123":
//
//	Patient/123                       relative
//	https://host/fhir/Patient/123     absolute
//	Patient/123/_history/4            a version of it
//	urn:uuid:…                        the fullUrl of a Bundle entry
//	Patient?identifier=system|value   conditional, by identifier
//	#p1                               a resource contained in the referrer
//	{"identifier": {…}}               logical, with no reference at all
type ref struct {
	kind   string // the resource type named, or "" (urn:uuid:, #id, bare ids)
	id     string // logical id, fullUrl (urn:uuid:…, urn:oid:…) or contained id (#…)
	system string // identifier system, for conditional and logical references
	value  string // identifier value
}

// parseRef splits a reference string. A conditional reference by anything
// but identifier (Organization?name=…) resolves to nothing: it is a search,
// often by free text, never an identifier.
func parseRef(s string) ref {
	var r ref
	switch {
	case s == "":
		return r
	case strings.HasPrefix(s, "#"):
		r.id = s
		return r
	case strings.HasPrefix(s, "urn:"):
		r.id = s
		return r
	}
	if path, query, ok := strings.Cut(s, "?"); ok {
		r.kind = path[strings.LastIndexByte(path, '/')+1:]
		for _, p := range strings.Split(query, "&") {
			if v, ok := strings.CutPrefix(p, "identifier="); ok {
				if sys, val, ok := strings.Cut(v, "|"); ok && val != "" {
					r.system, r.value = sys, val
				}
				return r
			}
		}
		return r
	}
	// [base/]Type/id[/_history/v]
	if i := strings.Index(s, "/_history/"); i >= 0 {
		s = s[:i]
	}
	slash := strings.LastIndexByte(s, '/')
	if slash < 0 {
		r.id = s // a bare id: its type is the element's
		return r
	}
	r.id = s[slash+1:]
	r.kind = s[strings.LastIndexByte(s[:slash], '/')+1 : slash]
	return r
}

// key returns how a reference is looked up among the resources read:
// "Type/id" for a typed reference, the fullUrl or bare id otherwise.
func (r ref) key() string {
	if r.kind != "" && r.id != "" {
		return r.kind + "/" + r.id
	}
	return r.id
}

// fullURLKey returns the key a Bundle entry's fullUrl is found by:
// "Type/id" for a RESTful URL (https://host/fhir/Patient/123), the URL
// itself for urn:uuid: and urn:oid: ones.
func fullURLKey(u []byte) string {
	if len(u) == 0 {
		return ""
	}
	r := parseRef(string(u))
	if r.kind == "" && !bytes.HasPrefix(u, []byte("urn:")) {
		return ""
	}
	return r.key()
}
