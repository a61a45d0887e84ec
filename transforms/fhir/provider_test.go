package fhir

import (
	"testing"

	"github.com/yhcr/carecast/transforms"
)

// TestProvider checks that only an organisation becomes an event's
// provider, and only by a code of a provider's shape: a performer that is
// the patient (or a practitioner) must not put the patient's id or NHS
// number in the provider column, nor may a search by name, a logical
// reference by another identifier, or free text where an ODS code belongs
// (issue 14: "Mrs Jane Smith HD5 8XY" was published as a provider).
func TestProvider(t *testing.T) {
	const uuid = "ca275b1b-c90e-3e95-84c9-3b4240fb9284"
	f := &Feed{orgs: map[string]string{"Organization/org-1": "RXF", "urn:uuid:urn-org": "RWA",
		"https://github.com/synthetichealth/synthea|abc-123": "RR8"}}
	const nhs = "9990000018"
	tests := []struct {
		name      string
		ref       string
		sys, val  string
		contained string // a contained Organization "#c1" with this ODS code
		want      string
		bad       bool // BadValue: an ODS identifier that is not an ODS code
	}{
		{name: "none"},
		{name: "ODS identifier", sys: ODSSystem, val: "RR8", want: "RR8"},
		{name: "ODS site identifier", sys: odsSiteSystem, val: "RR801", want: "RR801"},
		{name: "ODS identifier holding free text", sys: ODSSystem, val: "Mrs Jane Smith HD5 8XY", bad: true},
		{name: "ODS identifier holding an NHS number", sys: ODSSystem, val: nhs, bad: true},
		{name: "Organization by id, with an ODS code", ref: "Organization/org-1", want: "RXF"},
		{name: "Organization by absolute URL", ref: "https://host/fhir/Organization/org-1", want: "RXF"},
		{name: "Organization by a version", ref: "Organization/org-1/_history/3", want: "RXF"},
		{name: "Organization by its local identifier", ref: "Organization?identifier=https://github.com/synthetichealth/synthea|abc-123", want: "RR8"},
		{name: "Organization without an ODS code, by a UUID (Synthea)", ref: "Organization?identifier=https://github.com/synthetichealth/synthea|" + uuid, want: uuid},
		{name: "Organization by a UUID id", ref: "Organization/" + uuid, want: uuid},
		{name: "Organization by an id of another shape", ref: "Organization/" + nhs},
		{name: "Organization without an ODS code, by another identifier", ref: "Organization?identifier=https://example.org|zzz"},
		{name: "Organization by ODS conditional reference", ref: "Organization?identifier=" + ODSSystem + "|RAE", want: "RAE"},
		{name: "Organization by ODS conditional reference holding free text", ref: "Organization?identifier=" + ODSSystem + "|Jane Smith", bad: true},
		{name: "Organization by name", ref: "Organization?name=Mrs Jane Smith HD5 8XY"},
		{name: "bundle entry resolving to an Organization", ref: "urn:uuid:urn-org", want: "RWA"},
		{name: "bundle entry resolving to nothing", ref: "urn:uuid:" + nhs},
		{name: "contained Organization", ref: "#c1", contained: "RCB", want: "RCB"},
		{name: "contained Organization with free text for its ODS code", ref: "#c1", contained: "Jane Smith", bad: true},
		{name: "contained resource that is not an Organization", ref: "#c1"},
		{name: "patient by NHS number", ref: "Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|" + nhs},
		{name: "patient by id", ref: "Patient/" + nhs},
		{name: "patient by a UUID id", ref: "Patient/" + uuid},
		{name: "practitioner", ref: "Practitioner/p-1"},
		{name: "NHS number identifier", sys: NHSNumberSystem, val: nhs},
		{name: "local identifier, even a UUID", sys: "https://github.com/synthetichealth/synthea", val: uuid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &decoder{opts: &f.opts}
			d.contained = []containedRes{{id: []byte("c1")}}
			if tt.contained != "" {
				d.contained[0].ods = []byte(tt.contained)
			}
			r := reference{ref: []byte(tt.ref), system: []byte(tt.sys), value: []byte(tt.val)}
			got, bad := f.organisation(d, &r)
			if got != tt.want || (bad == transforms.BadValue) != tt.bad {
				t.Errorf("provider = %q, %q; want %q, bad %v", got, bad, tt.want, tt.bad)
			}
		})
	}
}
