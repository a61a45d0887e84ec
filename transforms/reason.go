package transforms

// Reason names why a record was rejected. Reasons are stable identifiers:
// they appear in the quarantine table, the run summary and the manifest.
type Reason string

// The rejection reasons.
const (
	InvalidNHSNumber Reason = "invalid_nhs_number" // fails modulus 11, or not 10 digits
	MissingField     Reason = "missing_field"      // a required value is empty
	BadDate          Reason = "bad_date"           // not a date, or a day its month lacks
	FutureDate       Reason = "future_date"        // after Options.Today
	DateBeforeBirth  Reason = "date_before_birth"  // before the person's birth
	DateAfterDeath   Reason = "date_after_death"   // after the person's death
	ImplausibleDate  Reason = "implausible_date"   // before 1900
	UnknownCode      Reason = "unknown_code"       // a code outside a closed vocabulary
	UnknownPerson    Reason = "unknown_person"     // an event for a person no feed describes
	DuplicateRecord  Reason = "duplicate_record"   // a record id already read in this feed
	WrongFieldCount  Reason = "wrong_field_count"  // a CSV row with too few or too many fields
	InvalidUTF8      Reason = "bad_encoding"       // bytes that are not UTF-8 (Defect BadEncoding)
	BadValue         Reason = "bad_value"          // a value of the wrong shape (e.g. a negative stay)
	MalformedRecord  Reason = "malformed_record"   // a record that cannot be parsed at all
)

// Entities a rejection or a read count is about.
const (
	EntityPerson    = "person"
	EntityEvent     = "event"
	EntityObjection = "objection"
)
