package pseudonymise

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/internal/config"
)

// OptOutReason names why a person was excluded. The values are the reason
// column of the optouts_applied table (docs/data.md).
type OptOutReason string

// Reasons, in the order ApplyOptOuts tests them.
const (
	NationalDataOptOut        OptOutReason = "national_data_opt_out"
	NotInCheckServiceResponse OptOutReason = "not_in_check_service_response"
	Type1Objection            OptOutReason = "type1_objection"
	NoNHSNumber               OptOutReason = "no_nhs_number"
	// Type1ObjectionInvalid excludes a person because a GP record that may
	// register an objection failed validation (no date, an impossible one,
	// a misspelt code system): fail closed, rather than keep a person who
	// may have objected.
	Type1ObjectionInvalid OptOutReason = "type1_objection_invalid"
)

// reasons indexes OptOutReason by a person's compact exclusion code (0 is
// kept). The order of the first four is the order ApplyOptOuts tests them.
var reasons = [...]OptOutReason{"", NationalDataOptOut, NotInCheckServiceResponse, Type1Objection, NoNHSNumber, Type1ObjectionInvalid}

// Exclusion codes, positions in reasons.
const (
	exNational uint8 = iota + 1
	exNotInResponse
	exType1
	exNoNHSNumber
	exType1Invalid
)

// ErrOptOutList reports a configured opt-out list that is missing,
// unreadable, malformed, stale, or the Check service's error response. The
// run must stop before writing anything. Messages name the file and line,
// never a line's content.
var ErrOptOutList = errors.New("opt-out list unusable")

// Sources of opt-out evidence.
const (
	SourceDenyList      = "national_deny_list"
	SourceCheckResponse = "check_service_response"
	SourceType1         = "gp_type1"
)

// Where a list's date came from (ListEvidence.AsOfSource).
const (
	AsOfConfig   = "as_of"                  // the date configured with the list
	AsOfFileName = "file_name"              // the date in its file name (dated_name)
	AsOfModified = "modified_time_fallback" // its mtime, which copying resets
)

// ListEvidence records what an opt-out source held when the run used it.
type ListEvidence struct {
	Source   string    `json:"source"`
	File     string    `json:"file,omitempty"` // base name only
	SHA256   string    `json:"sha256,omitempty"`
	Modified time.Time `json:"modified,omitzero"`
	// AsOf is the list's date, by which its age is judged, and AsOfSource
	// where it came from: AsOfConfig, AsOfFileName or AsOfModified.
	AsOf       time.Time `json:"as_of,omitzero"`
	AsOfSource string    `json:"as_of_source,omitempty"`
	Entries    int       `json:"entries"` // NHS numbers in a list; people objecting, for Type 1
	// Invalid counts, for Type 1, the people whose objection-like records
	// failed validation and who are excluded for it (fail closed).
	Invalid int `json:"invalid,omitempty"`
}

// OptOuts holds every opt-out source of a run.
type OptOuts struct {
	deny  map[uint64]struct{} // nil when no deny list is configured
	allow map[uint64]struct{} // nil when no Check service response is configured

	objection, withdrawal map[string]bool
	type1                 index[type1State]

	includeWithoutNHS bool
	evidence          []ListEvidence
}

// type1State is the latest Type 1 code seen for a person, and whether an
// objection-like record about them failed validation.
type type1State struct {
	date    canonical.Date // NoDate until a valid code is seen
	object  bool
	invalid bool
}

// LoadOptOuts reads the configured lists, failing closed: a list that is
// missing, unreadable, malformed, holds fewer than its min_entries (at
// least one) or is older than its max_age (against now, by the date that
// travels with it, else its modification time) is an ErrOptOutList. A max_age of 0 sets no limit. With
// opt-outs disabled no list is read: the run carries its legal basis instead.
func LoadOptOuts(cfg config.OptOuts, now time.Time) (*OptOuts, error) {
	o := &OptOuts{
		objection:         set(cfg.Type1.ObjectionCodes),
		withdrawal:        set(cfg.Type1.WithdrawalCodes),
		type1:             newIndex[type1State](),
		includeWithoutNHS: cfg.IncludeWithoutNHSNumber,
	}
	if cfg.Enabled != nil && !*cfg.Enabled {
		return o, nil
	}
	var err error
	if l := cfg.NationalDenyList; l != nil {
		if o.deny, err = o.load(SourceDenyList, l, now, false); err != nil {
			return nil, err
		}
	}
	if l := cfg.CheckServiceResponse; l != nil {
		if o.allow, err = o.load(SourceCheckResponse, l, now, true); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func set(codes []string) map[string]bool {
	m := make(map[string]bool, len(codes))
	for _, c := range codes {
		m[c] = true
	}
	return m
}

func (o *OptOuts) load(source string, l *config.ListFile, now time.Time, dat bool) (map[uint64]struct{}, error) {
	f, err := os.Open(l.Path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrOptOutList, source, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrOptOutList, source, err)
	}
	asOf, from, err := listDate(l, st.ModTime())
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %w", ErrOptOutList, source, l.Path, err)
	}
	if age := now.Sub(asOf); l.MaxAge > 0 && age > time.Duration(l.MaxAge) {
		return nil, fmt.Errorf("%w: %s %s is stale: dated %s (by its %s), %s ago, max_age %s",
			ErrOptOutList, source, l.Path, asOf.UTC().Format(time.RFC3339), from,
			age.Round(time.Minute), time.Duration(l.MaxAge))
	}
	h := sha256.New()
	nums, err := parseList(io.TeeReader(f, h), l.Path, dat)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	// An empty or truncated list would let everyone through: a deny list
	// of nobody, or a response to a request the run never made.
	if min := max(l.MinEntries, 1); len(nums) < min {
		return nil, fmt.Errorf("%w: %s %s has %d entries, fewer than min_entries %d", ErrOptOutList, source, l.Path, len(nums), min)
	}
	o.evidence = append(o.evidence, ListEvidence{
		Source:     source,
		File:       filepath.Base(l.Path),
		SHA256:     hex.EncodeToString(h.Sum(nil)),
		Modified:   st.ModTime().UTC(),
		AsOf:       asOf.UTC(),
		AsOfSource: from,
		Entries:    len(nums),
	})
	return nums, nil
}

// listDate returns the date a list's age is judged by, and where it came
// from: the configured as_of, else the date in its file name, else — a
// fallback the evidence labels, since copying a file resets it — its
// modification time.
func listDate(l *config.ListFile, modified time.Time) (time.Time, string, error) {
	switch {
	case l.AsOf != "":
		t, err := time.Parse(time.DateOnly, l.AsOf)
		return t, AsOfConfig, err
	case l.DatedName != "":
		t, err := l.NameDate(filepath.Base(l.Path))
		return t, AsOfFileName, err
	}
	return modified, AsOfModified, nil
}

// parseList reads a list of NHS numbers, one a line; blank lines are
// skipped and one trailing comma is allowed (the Check service's .dat form);
// a deny list may write numbers spaced.
// Every number must pass the modulus 11 check. With dat, lines must end in
// LF alone, as the service specifies: a CR means the file is not the
// service's response (or was altered), and the service's one-line "invalid
// NHS Numbers" error response is reported as such, not read as an empty
// list. A deny list may have CRLF line ends. Errors name the file and line,
// never the line's content.
func parseList(r io.Reader, name string, dat bool) (map[uint64]struct{}, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 4096)
	sc.Split(scanLF)
	nums := map[uint64]struct{}{}
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if n := len(b); n > 0 && b[n-1] == '\r' {
			if dat {
				return nil, fmt.Errorf("%w: %s line %d: CRLF line end (the service's .dat uses LF)", ErrOptOutList, name, line)
			}
			b = b[:n-1]
		}
		b = bytes.TrimSpace(b)
		b = bytes.TrimSuffix(b, []byte(","))
		if len(b) == 0 {
			continue
		}
		if !dat {
			// People write NHS numbers spaced ("999 123 4567"); the
			// service's .dat never does.
			b = []byte(canonical.NormaliseNHSNumber(string(b)))
		}
		n, ok := parseNHSNumber(b)
		if !ok {
			if dat && bytes.Contains(bytes.ToLower(b), []byte("invalid nhs number")) {
				return nil, fmt.Errorf("%w: %s is the Check service's error response (the request held invalid NHS numbers), not a list", ErrOptOutList, name)
			}
			return nil, fmt.Errorf("%w: %s line %d: not a valid 10-digit NHS number", ErrOptOutList, name, line)
		}
		nums[n] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%w: %s line %d: line too long", ErrOptOutList, name, line+1)
		}
		return nil, fmt.Errorf("%w: read %s: %w", ErrOptOutList, name, err)
	}
	return nums, nil
}

// scanLF is bufio.ScanLines without its removal of a CR before the LF, so
// that parseList sees CRLF line ends.
func scanLF(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// parseNHSNumber parses a valid 10-digit NHS number.
func parseNHSNumber(b []byte) (uint64, bool) {
	if len(b) != 10 || !canonical.ValidNHSNumber(string(b)) {
		return 0, false
	}
	return nhsKey(string(b))
}

// nhsKey parses a person key of exactly 10 ASCII digits, the form of an NHS
// number key; other keys contain '|' and never parse.
func nhsKey(key string) (uint64, bool) {
	if len(key) != 10 {
		return 0, false
	}
	var n uint64
	for i := 0; i < 10; i++ {
		c := key[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// AddObjection records a GP code that may register or withdraw a Type 1
// objection; codes in neither configured list are ignored. The latest dated
// code wins. On the same date an objection beats a withdrawal whatever the
// order they arrive in: the result does not depend on feed order, and doubt
// falls on the side of the person's objection.
//
// An Invalid record (one that failed validation) excludes its person
// whatever its date and whatever else is known — unless its code is a
// withdrawal code: an invalid withdrawal withdraws nothing.
func (o *OptOuts) AddObjection(ob *canonical.Objection) {
	object, withdraw := o.objection[ob.Code], o.withdrawal[ob.Code]
	s, ok := o.type1.get(ob.PersonKey)
	if !ok {
		s.date = canonical.NoDate
	}
	switch {
	case ob.Invalid:
		if withdraw {
			return
		}
		s.invalid = true
	case !object && !withdraw:
		return
	case s.date.Valid() && (ob.Date < s.date || ob.Date == s.date && !object):
		return
	default:
		s.date, s.object = ob.Date, object
	}
	o.type1.put(ob.PersonKey, s)
}

// type1Exclusion returns the exclusion code of the person at i (an index of a
// People key) for Type 1: exType1 when their latest code objects,
// exType1Invalid when only an invalid record about them may, 0 otherwise.
func (o *OptOuts) type1Exclusion(i int32, ok bool) uint8 {
	if !ok {
		return 0
	}
	switch s := o.type1.at(i); {
	case s.object:
		return exType1
	case s.invalid:
		return exType1Invalid
	}
	return 0
}

// Evidence returns what each source held: one entry per list file read, and
// one for GP Type 1 codes (people whose latest code is an objection, and
// people excluded because a record about them failed validation).
func (o *OptOuts) Evidence() []ListEvidence {
	t1 := ListEvidence{Source: SourceType1}
	for i := range int32(o.type1.len()) {
		switch o.type1Exclusion(i, true) {
		case exType1:
			t1.Entries++
		case exType1Invalid:
			t1.Invalid++
		}
	}
	return append(append([]ListEvidence(nil), o.evidence...), t1)
}
