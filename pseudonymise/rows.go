package pseudonymise

import "github.com/yhcr/carecast/canonical"

// Pseudonym is the keyed pseudonym of a person: the first 16 bytes of
// HMAC-SHA256(key, person key). Stored as a Parquet UUID.
type Pseudonym [16]byte

// PersonRow is what leaves this stage for a person: no identifier, only the
// pseudonym and generalised attributes. Ages follow canonical.MidYearAge.
type PersonRow struct {
	ID         Pseudonym
	Sex        string // canonical.Sex.String()
	Age        int16  // at 30 June of the business date's year (or of the year of death)
	AgeBand    string // "0-4" … "85-89", "90+", "unknown"
	LSOA       string // LSOA 2021 code, or "unknown"
	SubICB     string // sub-ICB location ONS code (E38…), or "unknown"
	SubICBName string
	LAD        string // local authority (place) code, or "unknown"
	LADName    string
	ICB        string // ICB ONS code (E54…), or "unknown"
	ICBName    string
	Practice   string         // registered GP practice ODS code
	DeathMonth canonical.Date // first day of the month of death; NoDate when alive
	Feeds      string         // names of the feeds the person appears in, comma-separated
}

// ActivityRow is what leaves this stage for an event.
type ActivityRow struct {
	PersonID     Pseudonym
	Date         canonical.Date
	Service      canonical.Service
	Setting      canonical.Setting
	Provider     string
	Feed         string
	Age          int16 // at 30 June of the event's year (canonical.MidYearAge)
	AgeBand      string
	Sex          string
	LSOA         string // LSOA 2021
	SubICB       string
	LAD          string
	ICB          string
	CodeSystem   string
	Code         string
	LengthOfStay int32 // days; -1 when not an admission or unknown
}
