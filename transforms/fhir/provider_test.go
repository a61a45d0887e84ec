package fhir

import "testing"

// TestProvider checks that only an organisation becomes an event's
// provider: a performer that is the patient (or a practitioner) must not
// put the patient's id or NHS number in the provider column.
func TestProvider(t *testing.T) {
	f := &Feed{orgs: map[string]string{"org-1": "RXF", "urn-org": "RWA"}}
	const nhs = "9990000018"
	tests := []struct {
		name string
		ref  *reference
		want string
	}{
		{"none", nil, ""},
		{"ODS identifier", &reference{Identifier: &identifier{System: ODSSystem, Value: "RR8"}}, "RR8"},
		{"Organization by id, with an ODS code", &reference{Reference: "Organization/org-1"}, "RXF"},
		{"Organization by absolute URL", &reference{Reference: "https://host/fhir/Organization/org-1"}, "RXF"},
		{"Organization without an ODS code (Synthea)", &reference{Reference: "Organization?identifier=https://github.com/synthetichealth/synthea|abc-123"}, "abc-123"},
		{"Organization by ODS conditional reference", &reference{Reference: "Organization?identifier=" + ODSSystem + "|RAE"}, "RAE"},
		{"bundle entry resolving to an Organization", &reference{Reference: "urn:uuid:urn-org"}, "RWA"},
		{"bundle entry resolving to nothing", &reference{Reference: "urn:uuid:" + nhs}, ""},
		{"patient by NHS number", &reference{Reference: "Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|" + nhs}, ""},
		{"patient by id", &reference{Reference: "Patient/" + nhs}, ""},
		{"practitioner", &reference{Reference: "Practitioner/p-1"}, ""},
		{"NHS number identifier", &reference{Identifier: &identifier{System: "https://fhir.nhs.uk/Id/nhs-number", Value: nhs}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.provider(tt.ref); got != tt.want {
				t.Errorf("provider = %q, want %q", got, tt.want)
			}
		})
	}
}
