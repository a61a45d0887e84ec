package fhir

import (
	"unsafe"

	"github.com/yhcr/carecast/transforms"
	"github.com/yhcr/carecast/transforms/internal/jsonscan"
)

// This file decodes the resource types carecast reads, each into its own
// shape, reading only the elements the mapping uses (docs/feeds.md); every
// other element — narrative, names, extensions carecast does not know,
// attachments — is skipped unread. An element of the wrong JSON kind (an
// array where R4 has an object) makes the resource malformed, naming the
// element.
//
// The []byte fields point into the resource's bytes (or the scanner's
// buffer of unescaped strings), valid until the next resource is decoded:
// what outlives it is copied with decoder.keep.

// decoder decodes resources on one goroutine.
type decoder struct {
	opts  *transforms.Options // the feed's: code systems, Type 1 codes
	s     jsonscan.Scanner
	field string // the element being read, named in a rejection when it is malformed
	// block holds the strings kept from decoded resources: copied once,
	// never overwritten, so that they stay valid after the resource.
	block []byte
	// contained is the scratch list of the resource's contained resources.
	contained []containedRes
	// sub reads the value of an extension, held in pending (its JSON) and
	// pendingKind (what follows "value" in its key: String, Code, …).
	sub         jsonscan.Scanner
	pending     []byte
	pendingKind string
}

// blockSize is the size of the blocks kept strings are copied into.
const blockSize = 64 << 10

// keep copies b into the block and returns it as a string that stays valid.
func (d *decoder) keep(b []byte) string { return d.keepJoin(view(b), "", "") }

// keepBytes copies b into the block.
func (d *decoder) keepBytes(b []byte) []byte {
	s := d.keep(b)
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// keepJoin copies a+sep+b into the block.
func (d *decoder) keepJoin(a, sep, b string) string {
	n := len(a) + len(sep) + len(b)
	if n == 0 {
		return ""
	}
	if cap(d.block)-len(d.block) < n {
		d.block = make([]byte, 0, max(blockSize, n))
	}
	start := len(d.block)
	d.block = append(append(append(d.block, a...), sep...), b...)
	return unsafe.String(&d.block[start], n)
}

// view returns b as a string without copying it, for lookups and checks
// that do not keep it.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// begin starts decoding raw as a resource of type kind.
func (d *decoder) begin(raw []byte, kind string) {
	d.s.Reset(raw)
	d.field = kind
	d.contained = d.contained[:0]
}

// end finishes a resource: it returns malformed_record with the element
// being read when the resource is not well-formed JSON of its type's shape.
func (d *decoder) end() (transforms.Reason, string) {
	if err := d.s.End(); err != nil {
		return transforms.MalformedRecord, d.field
	}
	return "", ""
}

// resourceType checks the resourceType element against kind.
func (d *decoder) resourceType(kind string) {
	if string(d.s.String()) != kind {
		d.s.Fail("resourceType is not " + kind)
	}
}

// str reads a string element.
func (d *decoder) str() []byte { return d.s.String() }

// reference is a Reference: its reference string and logical identifier.
type reference struct {
	ref           []byte
	system, value []byte
}

func (d *decoder) reference(r *reference) {
	*r = reference{}
	for k := range d.s.Object() {
		switch string(k) {
		case "reference":
			r.ref = d.str()
		case "identifier":
			r.system, r.value, _ = d.identifier(nil)
		default:
			d.s.Skip()
		}
	}
}

// identifier reads an Identifier's system and value, and, when ext is not
// nil, calls it with the url of each of its extensions for the caller to
// read the extension's value.
func (d *decoder) identifier(ext func(url []byte)) (system, value []byte, ok bool) {
	for k := range d.s.Object() {
		switch string(k) {
		case "system":
			system = d.str()
		case "value":
			value = d.str()
		case "extension":
			if ext == nil {
				d.s.Skip()
				continue
			}
			for range d.s.Array() {
				d.extension(ext)
			}
		default:
			d.s.Skip()
		}
	}
	return system, value, len(value) > 0
}

// extension reads one Extension: it calls fn with its url once the url is
// known, so that fn reads the value (value[x]) it expects; the values of
// extensions fn does not read, and nested extensions, are skipped. fn
// reads the value by calling d.extValue.
func (d *decoder) extension(fn func(url []byte)) {
	var url []byte
	var value []byte // the raw value[x], when it came before the url
	valueKey := ""
	for k := range d.s.Object() {
		switch {
		case string(k) == "url":
			url = d.str()
		case len(k) > 5 && string(k[:5]) == "value":
			valueKey = string(k[5:])
			value = d.s.Raw()
		default:
			d.s.Skip()
		}
	}
	if url != nil && value != nil {
		d.pending, d.pendingKind = value, valueKey
		fn(url)
		d.pending = nil
	}
}

// extString returns the value of the extension being read when it is a
// string (valueString or valueCode), else nil.
func (d *decoder) extString() []byte {
	if d.pendingKind != "String" && d.pendingKind != "Code" {
		return nil
	}
	d.sub.Reset(d.pending)
	v := d.sub.String()
	if d.sub.End() != nil {
		return nil
	}
	return d.keepBytes(v)
}

// extConcept calls fn with each coding of the extension being read when its
// value is a CodeableConcept (or a Coding).
func (d *decoder) extConcept(fn func(system, code []byte)) {
	d.sub.Reset(d.pending)
	read := func(system, code []byte) { fn(d.keepBytes(system), d.keepBytes(code)) }
	switch d.pendingKind {
	case "CodeableConcept":
		for k := range d.sub.Object() {
			if string(k) != "coding" {
				d.sub.Skip()
				continue
			}
			for range d.sub.Array() {
				subCoding(&d.sub, read)
			}
		}
	case "Coding":
		subCoding(&d.sub, read)
	}
}

func subCoding(s *jsonscan.Scanner, fn func(system, code []byte)) {
	var system, code []byte
	for k := range s.Object() {
		switch string(k) {
		case "system":
			system = s.String()
		case "code":
			code = s.String()
		default:
			s.Skip()
		}
	}
	if len(code) > 0 && s.Err() == nil {
		fn(system, code)
	}
}

// coding reads a Coding, calling fn with its system and code.
func (d *decoder) coding(fn func(system, code []byte)) {
	var system, code []byte
	for k := range d.s.Object() {
		switch string(k) {
		case "system":
			system = d.str()
		case "code":
			code = d.str()
		default:
			d.s.Skip()
		}
	}
	if len(code) > 0 {
		fn(system, code)
	}
}

// concept reads a CodeableConcept, calling fn with each coding.
func (d *decoder) concept(fn func(system, code []byte)) {
	for k := range d.s.Object() {
		if string(k) != "coding" {
			d.s.Skip()
			continue
		}
		for range d.s.Array() {
			d.coding(fn)
		}
	}
}

// concepts reads an array of CodeableConcepts.
func (d *decoder) concepts(fn func(system, code []byte)) {
	for range d.s.Array() {
		d.concept(fn)
	}
}

// period reads a Period.
func (d *decoder) period() (start, end []byte) {
	for k := range d.s.Object() {
		switch string(k) {
		case "start":
			start = d.str()
		case "end":
			end = d.str()
		default:
			d.s.Skip()
		}
	}
	return start, end
}

// code is what carecast keeps of a coded element: the kinds of all its
// codes, and its first code in a code system it knows (built in, or one
// of the feed's local_code_systems), which passes through to the outputs.
type code struct {
	kinds  transforms.CodeKind
	system *transforms.CodeSystem
	code   []byte
}

// coded returns the function that adds a coding to c.
func (d *decoder) coded(c *code) func(system, value []byte) {
	return func(system, value []byte) {
		c.kinds |= transforms.KindOf(view(value))
		if c.system == nil {
			if cs := d.codeSystem(view(system)); cs != nil {
				c.system, c.code = cs, value
			}
		}
	}
}

// codeSystem returns the code system of a coding.system URI, or nil.
func (d *decoder) codeSystem(uri string) *transforms.CodeSystem {
	if uri == snomedSystem {
		return snomed // nearly every code: no search
	}
	if name, ok := codeSystems[uri]; ok {
		cs, _ := d.opts.CodeSystem(name)
		return cs
	}
	cs, _ := d.opts.CodeSystemByURI(uri)
	return cs
}

var snomed = func() *transforms.CodeSystem {
	var o transforms.Options
	cs, _ := o.CodeSystem(transforms.SNOMED)
	return cs
}()

// check returns BadValue when c's code does not have its system's shape:
// a value that passes through must be a code, never free text or an
// identifier.
func (c *code) check() transforms.Reason {
	if c.system != nil && !c.system.Valid(view(c.code)) {
		return transforms.BadValue
	}
	return ""
}

// name returns the canonical name of c's system, or "".
func (c *code) name() string {
	if c.system == nil {
		return ""
	}
	return c.system.Name
}

// containedRes is what carecast keeps of a contained resource: its id, and
// the ODS code of an Organization.
type containedRes struct {
	id  []byte // without the '#'
	ods []byte
}

// containedList reads Resource.contained.
func (d *decoder) containedList() {
	for range d.s.Array() {
		var c containedRes
		org := false
		var ids [][2][]byte
		for k := range d.s.Object() {
			switch string(k) {
			case "resourceType":
				org = string(d.str()) == "Organization"
			case "id":
				c.id = d.str()
			case "identifier":
				for range d.s.Array() {
					if sys, val, ok := d.identifier(nil); ok {
						ids = append(ids, [2][]byte{sys, val})
					}
				}
			default:
				d.s.Skip()
			}
		}
		if org {
			for _, id := range ids {
				if isODSSystem(view(id[0])) {
					c.ods = id[1]
					break
				}
			}
		}
		d.contained = append(d.contained, c)
	}
}

// containedODS returns the ODS code of the contained Organization "#id".
func (d *decoder) containedODS(id string) []byte {
	for _, c := range d.contained {
		if "#"+view(c.id) == id {
			return c.ods
		}
	}
	return nil
}

func isODSSystem(s string) bool { return s == ODSSystem || s == odsSiteSystem }

// patient is what carecast reads of a Patient.
type patient struct {
	id          []byte
	nhs         []byte // the first NHS number
	nhsStatus   []byte // its UK Core verification status code
	local       []byte // the value of the first identifier in the feed's person_id system
	birthDate   []byte
	deceased    []byte // deceasedDateTime
	deadNoDate  bool   // deceasedBoolean true
	gender      []byte
	hasGender   bool
	address     address // the current home address, else the first
	practice    reference
	hasPractice bool
}

type address struct {
	present        bool
	use, end       []byte
	postcode       []byte
	lsoa11, lsoa21 []byte
}

func (d *decoder) patient(raw []byte, personSystem string, p *patient) (transforms.Reason, string) {
	*p = patient{}
	d.begin(raw, "Patient")
	for k := range d.s.Object() {
		switch string(k) {
		case "resourceType":
			d.resourceType("Patient")
		case "id":
			p.id = d.str()
		case "identifier":
			d.field = "identifier"
			for range d.s.Array() {
				var status []byte
				sys, val, ok := d.identifier(func(url []byte) {
					if string(url) == nhsVerificationExtension {
						d.extConcept(func(_, c []byte) { status = c })
					}
				})
				switch {
				case !ok:
				case string(sys) == NHSNumberSystem && p.nhs == nil:
					p.nhs, p.nhsStatus = val, status
				case personSystem != "" && string(sys) == personSystem && p.local == nil:
					p.local = val
				}
			}
		case "birthDate":
			d.field = "birthDate"
			p.birthDate = d.str()
		case "deceasedDateTime":
			d.field = "deceasedDateTime"
			p.deceased = d.str()
		case "deceasedBoolean":
			d.field = "deceasedBoolean"
			p.deadNoDate = d.s.Bool()
		case "gender":
			d.field = "gender"
			p.gender, p.hasGender = d.str(), true
		case "address":
			d.field = "address"
			for range d.s.Array() {
				a := d.address()
				// The current home address wins, else the first.
				switch {
				case !p.address.present:
					p.address = a
				case string(p.address.use) != "home" || len(p.address.end) > 0:
					if string(a.use) == "home" && len(a.end) == 0 {
						p.address = a
					}
				}
			}
		case "generalPractitioner":
			d.field = "generalPractitioner"
			for range d.s.Array() {
				var r reference
				d.reference(&r)
				// An organisation: by ODS identifier or reference. A
				// Practitioner is a person, not the registered practice.
				if !p.hasPractice && (isODSSystem(view(r.system)) || refKind(r.ref) == "Organization" || isContained(r.ref)) {
					p.practice, p.hasPractice = r, true
				}
			}
		case "contained":
			d.field = "contained"
			d.containedList()
		default:
			d.s.Skip()
		}
	}
	return d.end()
}

func (d *decoder) address() address {
	a := address{present: true}
	for k := range d.s.Object() {
		switch string(k) {
		case "use":
			a.use = d.str()
		case "postalCode":
			a.postcode = d.str()
		case "period":
			_, a.end = d.period()
		case "extension":
			for range d.s.Array() {
				d.extension(func(url []byte) {
					switch string(url) {
					case LSOAExtension:
						a.lsoa11 = d.extString()
					case LSOA21Extension:
						a.lsoa21 = d.extString()
					}
				})
			}
		default:
			d.s.Skip()
		}
	}
	return a
}

// refKind returns the resource type a reference names, or "".
func refKind(b []byte) string { return parseRef(view(b)).kind }

func isContained(b []byte) bool { return len(b) > 1 && b[0] == '#' }

// organization is what carecast reads of an Organization.
type organization struct {
	id  []byte
	ods []byte
	// ids are its other identifiers, by which conditional references
	// (Organization?identifier=system|value) find it.
	ids [][2][]byte
}

func (d *decoder) organization(raw []byte, o *organization) (transforms.Reason, string) {
	*o = organization{ids: o.ids[:0]}
	d.begin(raw, "Organization")
	for k := range d.s.Object() {
		switch string(k) {
		case "resourceType":
			d.resourceType("Organization")
		case "id":
			o.id = d.str()
		case "identifier":
			d.field = "identifier"
			for range d.s.Array() {
				sys, val, ok := d.identifier(nil)
				switch {
				case !ok:
				case isODSSystem(view(sys)) && o.ods == nil:
					o.ods = val
				default:
					o.ids = append(o.ids, [2][]byte{sys, val})
				}
			}
		default:
			d.s.Skip()
		}
	}
	return d.end()
}

// encounter is what carecast reads of an Encounter.
type encounter struct {
	id, status []byte
	class      []byte
	kinds      transforms.CodeKind // of type and serviceType
	emergency  bool                // admitted through A&E, or with emergency priority
	// admission is the first digit of the UK Core admission method (NHS
	// Data Dictionary): '1' elective, '2' emergency, '3' maternity, '8'
	// other; 0 when absent.
	admission       byte
	start, end      []byte
	reason          code
	serviceProvider reference
	subject         reference
}

func (d *decoder) encounter(raw []byte, e *encounter) (transforms.Reason, string) {
	*e = encounter{}
	d.begin(raw, "Encounter")
	kinds := func(_, c []byte) { e.kinds |= transforms.KindOf(view(c)) }
	for k := range d.s.Object() {
		switch string(k) {
		case "resourceType":
			d.resourceType("Encounter")
		case "id":
			e.id = d.str()
		case "status":
			d.field = "status"
			e.status = d.str()
		case "class":
			d.field = "class"
			d.coding(func(_, c []byte) { e.class = c })
		case "type":
			d.field = "type"
			d.concepts(kinds)
		case "serviceType":
			d.field = "serviceType"
			d.concept(kinds)
		case "priority":
			d.field = "priority"
			d.concept(func(s, c []byte) {
				if string(s) == prioritySystem && (string(c) == "EM" || string(c) == "UR") {
					e.emergency = true
				}
			})
		case "period":
			d.field = "period"
			e.start, e.end = d.period()
		case "reasonCode":
			d.field = "reasonCode"
			d.concepts(d.coded(&e.reason))
		case "hospitalization":
			d.field = "hospitalization"
			for k := range d.s.Object() {
				switch string(k) {
				case "admitSource":
					d.concept(func(_, c []byte) {
						if string(c) == "emd" {
							e.emergency = true
						}
					})
				case "extension":
					for range d.s.Array() {
						d.extension(func(url []byte) {
							if string(url) == admissionMethodExtension {
								d.extConcept(func(_, c []byte) { e.admission = c[0] })
							}
						})
					}
				default:
					d.s.Skip()
				}
			}
		case "serviceProvider":
			d.field = "serviceProvider"
			d.reference(&e.serviceProvider)
		case "subject":
			d.field = "subject"
			d.reference(&e.subject)
		case "contained":
			d.field = "contained"
			d.containedList()
		default:
			d.s.Skip()
		}
	}
	return d.end()
}

// procedure is what carecast reads of a Procedure.
type procedure struct {
	id, status []byte
	code       code
	performed  []byte // performedDateTime, or performedPeriod.start
	subject    reference
	performer  reference // the first organisation among performer.actor and performer.onBehalfOf
}

func (d *decoder) procedure(raw []byte, p *procedure) (transforms.Reason, string) {
	*p = procedure{}
	d.begin(raw, "Procedure")
	for k := range d.s.Object() {
		switch string(k) {
		case "resourceType":
			d.resourceType("Procedure")
		case "id":
			p.id = d.str()
		case "status":
			d.field = "status"
			p.status = d.str()
		case "code":
			d.field = "code"
			d.concept(d.coded(&p.code))
		case "performedDateTime":
			d.field = "performedDateTime"
			p.performed = d.str()
		case "performedPeriod":
			d.field = "performedPeriod"
			p.performed, _ = d.period()
		case "subject":
			d.field = "subject"
			d.reference(&p.subject)
		case "performer":
			// Procedure.performer is a list of (function, actor,
			// onBehalfOf), unlike the references of other resources.
			d.field = "performer"
			for range d.s.Array() {
				for k := range d.s.Object() {
					switch string(k) {
					case "actor", "onBehalfOf":
						var r reference
						d.reference(&r)
						if p.performer.ref == nil && p.performer.value == nil && isOrganization(&r) {
							p.performer = r
						}
					default:
						d.s.Skip()
					}
				}
			}
		case "contained":
			d.field = "contained"
			d.containedList()
		default:
			d.s.Skip()
		}
	}
	return d.end()
}

// isOrganization reports whether a reference may name an organisation: by
// ODS identifier, as an Organization, or as a contained or Bundle resource
// to look up.
func isOrganization(r *reference) bool {
	if len(r.value) > 0 {
		return isODSSystem(view(r.system))
	}
	k := refKind(r.ref)
	return k == "Organization" || (k == "" && len(r.ref) > 0)
}

// test is what carecast reads of a DiagnosticReport or an Observation: the
// elements it reads have the same shape in both.
type test struct {
	id, status []byte
	category   string // "laboratory", "imaging" or ""
	code       code
	document   bool // coded as a document (a death certificate), not a test
	type1      type1
	effective  []byte // effectiveDateTime, effectivePeriod.start or effectiveInstant
	issued     []byte
	subject    reference
	encounter  reference
	performer  reference // the first organisation
}

func (d *decoder) test(raw []byte, kind string, opts *transforms.Options, t *test) (transforms.Reason, string) {
	*t = test{}
	d.begin(raw, kind)
	for k := range d.s.Object() {
		switch string(k) {
		case "resourceType":
			d.resourceType(kind)
		case "id":
			t.id = d.str()
		case "status":
			d.field = "status"
			t.status = d.str()
		case "category":
			d.field = "category"
			d.concepts(func(s, c []byte) {
				if t.category == "" {
					t.category = testCategory(view(s), view(c))
				}
			})
		case "code":
			d.field = "code"
			add := d.coded(&t.code)
			d.concept(func(s, c []byte) {
				add(s, c)
				t.document = t.document || string(s) == loincSystem && documentCodes[view(c)]
				t.type1.add(opts, s, c)
			})
		case "effectiveDateTime", "effectiveInstant":
			d.field = string(k)
			t.effective = d.str()
		case "effectivePeriod":
			d.field = "effectivePeriod"
			t.effective, _ = d.period()
		case "issued":
			d.field = "issued"
			t.issued = d.str()
		case "subject":
			d.field = "subject"
			d.reference(&t.subject)
		case "encounter":
			d.field = "encounter"
			d.reference(&t.encounter)
		case "performer":
			d.field = "performer"
			for range d.s.Array() {
				var r reference
				d.reference(&r)
				if t.performer.ref == nil && t.performer.value == nil && isOrganization(&r) {
					t.performer = r
				}
			}
		case "contained":
			d.field = "contained"
			d.containedList()
		default:
			d.s.Skip()
		}
	}
	return d.end()
}

// documentCodes are LOINC codes of documents that systems file as
// laboratory reports (Synthea's death certificates): not tests.
var documentCodes = map[string]bool{
	"69409-1": true, // U.S. standard certificate of death - 2003 revision
	"64297-5": true, // Death certificate
}

// type1 is a Type 1 objection code found in a coded element.
type type1 struct {
	code   []byte
	system string // its canonical system: SNOMED or READ; "" when the coding's system is neither
}

// add notes a coding whose code is one of the Type 1 codes. A code in a
// system that is not SNOMED CT or Read (a misspelt URI, none at all) still
// makes the record objection-like: it fails closed, as an invalid one.
func (t *type1) add(opts *transforms.Options, system, code []byte) {
	if !opts.IsType1Code(view(code)) || t.code != nil && t.system != "" {
		return
	}
	t.code, t.system = code, ""
	if s := codeSystems[view(system)]; s == transforms.SNOMED || s == transforms.Read {
		t.system = s
	}
}

// found reports whether a Type 1 code was found, valid or not.
func (t *type1) found() bool { return t.code != nil }

// testCategory returns "laboratory" or "imaging" when a category coding
// names one, else "".
func testCategory(system, code string) string {
	switch {
	case system == obsCatSystem && code == "laboratory",
		system == v20074System && (code == "LAB" || code == "HM" || code == "CH" || code == "MB"):
		return "laboratory"
	case system == obsCatSystem && code == "imaging",
		system == v20074System && (code == "RAD" || code == "CT" || code == "RUS" || code == "NMR"):
		return "imaging"
	}
	return ""
}

// entry is what carecast reads of a Condition or Flag that may record a
// Type 1 objection (Observations are read as tests).
type entry struct {
	id      []byte
	type1   type1
	when    []byte // recordedDate, onsetDateTime or period.start
	subject reference
}

func (d *decoder) codedEntry(raw []byte, kind string, opts *transforms.Options, e *entry) (transforms.Reason, string) {
	*e = entry{}
	d.begin(raw, kind)
	var recorded, onset, start []byte
	for k := range d.s.Object() {
		switch string(k) {
		case "resourceType":
			d.resourceType(kind)
		case "id":
			e.id = d.str()
		case "code":
			d.field = "code"
			d.concept(func(s, c []byte) { e.type1.add(opts, s, c) })
		case "recordedDate":
			d.field = "recordedDate"
			recorded = d.str()
		case "onsetDateTime":
			d.field = "onsetDateTime"
			onset = d.str()
		case "period":
			d.field = "period"
			start, _ = d.period()
		case "subject":
			d.field = "subject"
			d.reference(&e.subject)
		default:
			d.s.Skip()
		}
	}
	switch {
	case recorded != nil:
		e.when = recorded
	case onset != nil:
		e.when = onset
	default:
		e.when = start
	}
	return d.end()
}
