package fhir

import "testing"

// TestProvider checks that only an organisation with an ODS code becomes an
// event's provider: a performer that is the patient (or a practitioner)
// must not put the patient's id or NHS number in the provider column, and
// neither may a search by name or an organisation's local id.
func TestProvider(t *testing.T) {
	f := &Feed{orgs: map[string]string{"Organization/org-1": "RXF", "urn:uuid:urn-org": "RWA",
		"https://github.com/synthetichealth/synthea|abc-123": "RR8"}}
	const nhs = "9990000018"
	tests := []struct {
		name      string
		ref       string
		sys, val  string
		contained string // a contained Organization "#c1" with this ODS code
		want      string
	}{
		{"none", "", "", "", "", ""},
		{"ODS identifier", "", ODSSystem, "RR8", "", "RR8"},
		{"ODS site identifier", "", odsSiteSystem, "RR801", "", "RR801"},
		{"Organization by id, with an ODS code", "Organization/org-1", "", "", "", "RXF"},
		{"Organization by absolute URL", "https://host/fhir/Organization/org-1", "", "", "", "RXF"},
		{"Organization by a version", "Organization/org-1/_history/3", "", "", "", "RXF"},
		{"Organization by its local identifier", "Organization?identifier=https://github.com/synthetichealth/synthea|abc-123", "", "", "", "RR8"},
		{"Organization without an ODS code (Synthea)", "Organization?identifier=https://github.com/synthetichealth/synthea|zzz", "", "", "", ""},
		{"Organization by ODS conditional reference", "Organization?identifier=" + ODSSystem + "|RAE", "", "", "", "RAE"},
		{"Organization by name", "Organization?name=Mrs Jane Smith HD5 8XY", "", "", "", ""},
		{"bundle entry resolving to an Organization", "urn:uuid:urn-org", "", "", "", "RWA"},
		{"bundle entry resolving to nothing", "urn:uuid:" + nhs, "", "", "", ""},
		{"contained Organization", "#c1", "", "", "RCB", "RCB"},
		{"contained resource that is not an Organization", "#c1", "", "", "", ""},
		{"patient by NHS number", "Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|" + nhs, "", "", "", ""},
		{"patient by id", "Patient/" + nhs, "", "", "", ""},
		{"practitioner", "Practitioner/p-1", "", "", "", ""},
		{"NHS number identifier", "", NHSNumberSystem, nhs, "", ""},
		{"local organisation identifier", "", "https://github.com/synthetichealth/synthea", "abc-123", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &decoder{}
			d.contained = []containedRes{{id: []byte("c1"), ods: []byte(tt.contained)}}
			if tt.contained == "" {
				d.contained[0].ods = nil
			}
			r := reference{ref: []byte(tt.ref), system: []byte(tt.sys), value: []byte(tt.val)}
			if got := f.organisation(d, &r); got != tt.want {
				t.Errorf("provider = %q, want %q", got, tt.want)
			}
		})
	}
}
