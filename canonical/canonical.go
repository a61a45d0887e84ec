// Package canonical is carecast's canonical model: what every feed reader
// produces and every later stage consumes. Identifiable fields exist only in
// these in-memory values, between reading a feed and pseudonymising it.
package canonical

import "fmt"

// Service is the kind of activity an event records.
type Service uint8

// The service vocabulary of the design. ServiceUnknown is explicit so that an
// unmapped code is counted, never silently dropped.
const (
	ServiceUnknown Service = iota
	AEAttendance
	EmergencyAdmission
	ElectiveAdmission
	OutpatientAttendance
	GPAppointment
	CommunityContact
	SocialCareAssessment
	DiagnosticTest
	numServices
)

var serviceNames = [...]string{
	ServiceUnknown:       "unknown",
	AEAttendance:         "ae_attendance",
	EmergencyAdmission:   "emergency_admission",
	ElectiveAdmission:    "elective_admission",
	OutpatientAttendance: "outpatient_attendance",
	GPAppointment:        "gp_appointment",
	CommunityContact:     "community_contact",
	SocialCareAssessment: "social_care_assessment",
	DiagnosticTest:       "diagnostic_test",
}

// Services lists the known services, in vocabulary order, without
// ServiceUnknown.
func Services() []Service {
	out := make([]Service, 0, numServices-1)
	for s := AEAttendance; s < numServices; s++ {
		out = append(out, s)
	}
	return out
}

func (s Service) String() string {
	if int(s) < len(serviceNames) {
		return serviceNames[s]
	}
	return fmt.Sprintf("Service(%d)", s)
}

// ParseService maps a vocabulary name to its Service.
func ParseService(name string) (Service, bool) {
	for i, n := range serviceNames {
		if n == name && i != int(ServiceUnknown) {
			return Service(i), true
		}
	}
	return ServiceUnknown, false
}

// Setting is the care setting that recorded an event.
type Setting uint8

// Settings of the design.
const (
	SettingUnknown Setting = iota
	Hospital
	GP
	SocialCare
	Community
	numSettings
)

var settingNames = [...]string{
	SettingUnknown: "unknown",
	Hospital:       "hospital",
	GP:             "gp",
	SocialCare:     "social_care",
	Community:      "community",
}

func (s Setting) String() string {
	if int(s) < len(settingNames) {
		return settingNames[s]
	}
	return fmt.Sprintf("Setting(%d)", s)
}

// ParseSetting maps a setting name to its Setting.
func ParseSetting(name string) (Setting, bool) {
	for i, n := range settingNames {
		if n == name && i != int(SettingUnknown) {
			return Setting(i), true
		}
	}
	return SettingUnknown, false
}

// DefaultSetting is the setting a service is normally recorded in.
func (s Service) DefaultSetting() Setting {
	switch s {
	case AEAttendance, EmergencyAdmission, ElectiveAdmission, OutpatientAttendance, DiagnosticTest:
		return Hospital
	case GPAppointment:
		return GP
	case CommunityContact:
		return Community
	case SocialCareAssessment:
		return SocialCare
	}
	return SettingUnknown
}

// Sex follows the NHS Data Dictionary "person stated gender code" values
// carried by SUS and GP extracts: 1 male, 2 female, 9 indeterminate, 0 not known.
type Sex uint8

// Sex codes.
const (
	SexNotKnown      Sex = 0
	Male             Sex = 1
	Female           Sex = 2
	SexIndeterminate Sex = 9
)

func (s Sex) String() string {
	switch s {
	case Male:
		return "male"
	case Female:
		return "female"
	case SexIndeterminate:
		return "indeterminate"
	}
	return "not_known"
}

// Person is one person as a feed describes them. Key identifies the person
// across feeds: the 10-digit NHS number when HasNHSNumber, otherwise
// "<identifier system>|<value>" — exactly the message the pseudonym is keyed on.
type Person struct {
	Feed         string
	Key          string
	HasNHSNumber bool
	BirthDate    Date
	Sex          Sex
	Postcode     string // full postcode, only to find the LSOA; never written
	LSOA         string // LSOA 2011 code when the feed carries it
	Practice     string // registered GP practice, ODS code
	DeathDate    Date   // NoDate when alive

	// Direct identifiers: read so that tests can prove they are dropped.
	Name, Address, Phone string
}

// Event is one activity record.
type Event struct {
	Feed         string
	SourceID     string // the record's id within its feed, for de-duplication
	PersonKey    string
	Date         Date
	Minute       int16 // minute of the day, or -1 when the feed has no time
	Service      Service
	Setting      Setting
	Provider     string // ODS code of the providing organisation
	CodeSystem   string // "ICD-10", "SNOMED", "OPCS-4", "READ" or ""
	Code         string
	LengthOfStay int32 // days, admissions only; -1 when not applicable
}

// Objection is a coded entry in a GP record that may register or withdraw a
// Type 1 objection. Whether Code objects or withdraws is decided by the
// configured code lists, not here.
type Objection struct {
	Feed      string
	PersonKey string
	Date      Date   // NoDate when Invalid and the record's date could not be read
	System    string // "SNOMED" or "READ"
	Code      string
	// Invalid marks a record that failed validation — and was quarantined
	// — but whose person reference resolved to PersonKey. Opt-outs fail
	// closed on it: the person is excluded whatever Date says, unless Code
	// is a withdrawal code (an invalid withdrawal withdraws nothing).
	Invalid bool
}
