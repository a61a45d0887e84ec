package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
)

// badByte stands in a text element until the line is encoded, then becomes
// a Latin-1 "é" (0xE9): encoding/json would escape the byte itself.
const badByte = "\u2603BAD\u2603"

// Writer writes canonical records as a FHIR R4 Bulk Data export: one NDJSON
// file per resource type, shaped as NHS systems send them — the NHS number
// identifier on Patient, Encounter.class codes, serviceProvider by ODS
// code, period.start, and the LSOA extension beside the postcode. It
// implements transforms.Writer.
type Writer struct {
	dir   string
	files map[string]*transforms.OutFile
	n     int64 // Observations written, for their ids
	err   error
}

// NewWriter creates dir if needed and returns a Writer of a Bulk Data
// export in it.
func NewWriter(dir string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("fhir feed: %w", err)
	}
	w := &Writer{dir: dir, files: map[string]*transforms.OutFile{}}
	// An export always has its Patient file, even when empty.
	if _, err := w.file("Patient"); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *Writer) file(kind string) (*transforms.OutFile, error) {
	if f, ok := w.files[kind]; ok {
		return f, nil
	}
	f, err := transforms.CreateFile(filepath.Join(w.dir, kind+".ndjson"))
	if err != nil {
		return nil, fmt.Errorf("fhir feed: %w", err)
	}
	w.files[kind] = f
	return f, nil
}

// patientID is the Patient.id of a person key: a hash, so that the id
// carries no identifier of its own.
func patientID(key string) string {
	h := fnv.New64a()
	h.Write([]byte(key))
	return "p" + strconv.FormatUint(h.Sum64(), 36)
}

// personIdentifier is the identifier of a person key.
func personIdentifier(key string) jsonIdentifier {
	if system, value, ok := strings.Cut(key, "|"); ok {
		return jsonIdentifier{System: system, Value: value}
	}
	return jsonIdentifier{System: NHSNumberSystem, Value: key}
}

func subject(key string) *jsonReference {
	id := personIdentifier(key)
	return &jsonReference{Reference: "Patient/" + patientID(key), Identifier: &id}
}

func ods(code string) *jsonReference {
	if code == "" {
		return nil
	}
	return &jsonReference{Identifier: &jsonIdentifier{System: ODSSystem, Value: code}}
}

// dateTime formats a date and minute of the day (-1: none) as a FHIR
// dateTime in UTC.
func dateTime(d canonical.Date, minute int16, impossible bool) string {
	s := transforms.FormatDate(d, impossible)
	if minute < 0 || s == "" {
		return s
	}
	return fmt.Sprintf("%sT%02d:%02d:00+00:00", s, minute/60, minute%60)
}

// Person writes a Patient.
func (w *Writer) Person(p *canonical.Person, d transforms.Defect) error {
	res := jsonResource{
		ResourceType: "Patient",
		ID:           patientID(p.Key),
		Identifier:   []jsonIdentifier{personIdentifier(p.Key)},
		BirthDate:    transforms.FormatDate(p.BirthDate, d == transforms.ImpossibleDate),
		Gender:       map[canonical.Sex]string{canonical.Male: "male", canonical.Female: "female", canonical.SexIndeterminate: "other"}[p.Sex],
	}
	if res.Gender == "" {
		res.Gender = "unknown"
	}
	if p.DeathDate.Valid() {
		res.DeceasedDateTime = p.DeathDate.String()
	}
	given, family := p.Name, ""
	if i := strings.LastIndexByte(p.Name, ' '); i >= 0 {
		given, family = p.Name[:i], p.Name[i+1:]
	}
	if d == transforms.BadEncoding {
		family += badByte
	}
	if p.Name != "" || d == transforms.BadEncoding {
		res.Name = []jsonHumanName{{Family: family, Given: strings.Fields(given)}}
	}
	if p.Phone != "" {
		res.Telecom = []jsonContact{{System: "phone", Value: p.Phone}}
	}
	if p.Address != "" || p.Postcode != "" || p.LSOA != "" {
		a := jsonAddress{Use: "home", PostalCode: p.Postcode}
		if p.Address != "" {
			a.Line = []string{p.Address}
		}
		if p.LSOA != "" {
			a.Extension = []jsonExtension{{URL: LSOA21Extension, ValueString: p.LSOA}}
		}
		res.Address = []jsonAddress{a}
	}
	if r := ods(p.Practice); r != nil {
		res.GeneralPractitioner = []jsonReference{*r}
	}
	return w.write("Patient", &res, d)
}

// encounterShape gives the class and type an Encounter of each service is
// written with; the reader maps them back (docs/feeds.md).
var encounterShape = map[canonical.Service]struct{ class, typeCode, typeDisplay string }{
	canonical.AEAttendance:         {"EMER", "50849002", "Emergency room admission"},
	canonical.EmergencyAdmission:   {"IMP", "32485007", "Hospital admission"},
	canonical.ElectiveAdmission:    {"IMP", "32485007", "Hospital admission"},
	canonical.OutpatientAttendance: {"AMB", "185347001", "Encounter for problem"},
	canonical.GPAppointment:        {"AMB", "185347001", "Encounter for problem"},
	canonical.CommunityContact:     {"HH", "439708006", "Home visit"},
	canonical.SocialCareAssessment: {"HH", "710824005", "Assessment of health and social care needs"},
	canonical.ServiceUnknown:       {"UNK", "", ""}, // v3-NullFlavor: no reader maps it
}

// Event writes an Encounter, or a DiagnosticReport for a diagnostic test.
func (w *Writer) Event(e *canonical.Event, d transforms.Defect) error {
	when := dateTime(e.Date, e.Minute, d == transforms.ImpossibleDate)
	var code *jsonConcept
	if e.Code != "" || d == transforms.BadEncoding {
		code = &jsonConcept{Coding: []jsonCoding{{System: systemURLs[e.CodeSystem], Code: e.Code}}}
		if d == transforms.BadEncoding {
			code.Text = badByte
		}
	}
	if e.Service == canonical.DiagnosticTest {
		res := jsonResource{
			ResourceType:      "DiagnosticReport",
			ID:                e.SourceID,
			Status:            "final",
			Category:          []jsonConcept{{Coding: []jsonCoding{{System: v20074System, Code: "LAB", Display: "Laboratory"}}}},
			Code:              code,
			Subject:           subject(e.PersonKey),
			EffectiveDateTime: when,
		}
		if r := ods(e.Provider); r != nil {
			res.Performer = []jsonReference{*r}
		}
		return w.write("DiagnosticReport", &res, d)
	}
	shape, ok := encounterShape[e.Service]
	if !ok {
		shape = encounterShape[canonical.ServiceUnknown]
	}
	res := jsonResource{
		ResourceType:    "Encounter",
		ID:              e.SourceID,
		Status:          "finished",
		Class:           &jsonCoding{System: actCodeSystem, Code: shape.class},
		Subject:         subject(e.PersonKey),
		Period:          &jsonPeriod{Start: when},
		ServiceProvider: ods(e.Provider),
	}
	if shape.typeCode != "" {
		res.Type = []jsonConcept{{Coding: []jsonCoding{{System: snomedSystem, Code: shape.typeCode, Display: shape.typeDisplay}}}}
	}
	switch e.Service {
	case canonical.EmergencyAdmission:
		res.Hospitalization = &jsonHospitalization{AdmitSource: &jsonConcept{Coding: []jsonCoding{{System: admitSystem, Code: "emd"}}}}
		res.Priority = &jsonConcept{Coding: []jsonCoding{{System: prioritySystem, Code: "EM"}}}
	case canonical.GPAppointment:
		res.ServiceType = &jsonConcept{Coding: []jsonCoding{{System: snomedSystem, Code: "394814009", Display: "General practice"}}}
	}
	if e.LengthOfStay >= 0 && d != transforms.ImpossibleDate {
		res.Period.End = dateTime(e.Date.AddDays(int(e.LengthOfStay)), e.Minute, false)
	}
	if code != nil {
		res.ReasonCode = []jsonConcept{*code}
	}
	return w.write("Encounter", &res, d)
}

// Objection writes an Observation carrying the GP code.
func (w *Writer) Objection(o *canonical.Objection, d transforms.Defect) error {
	w.n++
	res := jsonResource{
		ResourceType:      "Observation",
		ID:                "gp-entry-" + strconv.FormatInt(w.n, 10),
		Status:            "final",
		Code:              &jsonConcept{Coding: []jsonCoding{{System: systemURLs[o.System], Code: o.Code}}},
		Subject:           subject(o.PersonKey),
		EffectiveDateTime: transforms.FormatDate(o.Date, d == transforms.ImpossibleDate),
	}
	if d == transforms.BadEncoding {
		res.Code.Text = badByte
	}
	return w.write("Observation", &res, d)
}

// write encodes res as one line of its type's file, damaged as d asks.
func (w *Writer) write(kind string, res *jsonResource, d transforms.Defect) error {
	if w.err != nil {
		return w.err
	}
	f, err := w.file(kind)
	if err != nil {
		w.err = err
		return err
	}
	line, err := json.Marshal(res)
	if err != nil {
		w.err = fmt.Errorf("write %s: %w", f.Path, err)
		return w.err
	}
	line = bytes.ReplaceAll(line, []byte(badByte), []byte{0xE9})
	if d == transforms.Truncated {
		line = line[:len(line)/2]
	}
	line = append(line, '\n')
	if _, err := f.Write(line); err != nil {
		w.err = fmt.Errorf("write %s: %w", f.Path, err)
	}
	return w.err
}

// Close flushes and closes every file.
func (w *Writer) Close() error {
	errs := []error{w.err}
	for _, f := range w.files {
		errs = append(errs, f.Close())
	}
	w.files = map[string]*transforms.OutFile{}
	return errors.Join(errs...)
}

// jsonResource is what the Writer writes: the elements of every type it
// writes, in one struct, for encoding/json. (Reading decodes each type into
// its own shape: decode.go.)
type jsonResource struct {
	ResourceType string           `json:"resourceType"`
	ID           string           `json:"id,omitempty"`
	Identifier   []jsonIdentifier `json:"identifier,omitempty"`
	Status       string           `json:"status,omitempty"`

	// Patient.
	Name                []jsonHumanName `json:"name,omitempty"`
	Telecom             []jsonContact   `json:"telecom,omitempty"`
	Gender              string          `json:"gender,omitempty"`
	BirthDate           string          `json:"birthDate,omitempty"`
	DeceasedDateTime    string          `json:"deceasedDateTime,omitempty"`
	Address             []jsonAddress   `json:"address,omitempty"`
	GeneralPractitioner []jsonReference `json:"generalPractitioner,omitempty"`

	// Encounter.
	Class           *jsonCoding          `json:"class,omitempty"`
	Type            []jsonConcept        `json:"type,omitempty"`
	ServiceType     *jsonConcept         `json:"serviceType,omitempty"`
	Priority        *jsonConcept         `json:"priority,omitempty"`
	Period          *jsonPeriod          `json:"period,omitempty"`
	ReasonCode      []jsonConcept        `json:"reasonCode,omitempty"`
	Hospitalization *jsonHospitalization `json:"hospitalization,omitempty"`
	ServiceProvider *jsonReference       `json:"serviceProvider,omitempty"`

	// DiagnosticReport, Observation.
	Category          []jsonConcept   `json:"category,omitempty"`
	Code              *jsonConcept    `json:"code,omitempty"`
	Subject           *jsonReference  `json:"subject,omitempty"`
	EffectiveDateTime string          `json:"effectiveDateTime,omitempty"`
	Performer         []jsonReference `json:"performer,omitempty"`
}

type jsonIdentifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

type jsonCoding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

type jsonConcept struct {
	Coding []jsonCoding `json:"coding,omitempty"`
	Text   string       `json:"text,omitempty"`
}

type jsonReference struct {
	Reference  string          `json:"reference,omitempty"`
	Identifier *jsonIdentifier `json:"identifier,omitempty"`
}

type jsonPeriod struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

type jsonExtension struct {
	URL         string `json:"url"`
	ValueString string `json:"valueString,omitempty"`
}

type jsonAddress struct {
	Extension  []jsonExtension `json:"extension,omitempty"`
	Use        string          `json:"use,omitempty"`
	Line       []string        `json:"line,omitempty"`
	PostalCode string          `json:"postalCode,omitempty"`
}

type jsonHumanName struct {
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
}

type jsonContact struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

type jsonHospitalization struct {
	AdmitSource *jsonConcept `json:"admitSource,omitempty"`
}
