package reports

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// privacySection is what an information-governance lead checks of a run
// (issue 14): how identifiable the people in its extracts are, whether its
// pseudonymisation key is the previous run's, and what each opt-out list
// was dated by. It reads the run's manifest only.
func (r *report) privacySection() section {
	m := r.d.manifest
	sec := section{ID: "privacy", Title: "Privacy: re-identification risk, key and opt-out evidence"}
	sec.Paras = []string{"The extracts hold no NHS number, name, address, postcode, phone number or date of birth; " +
		"ages are at 30 June of each event's year, top-coded at 90, so that they say nothing finer of a birth date than its year from 1 July. " +
		"docs/privacy.md sets out each attack considered, what stops it and the test that proves it."}

	risk := block{Heading: "Re-identification risk"}
	if rr := m.ReidentificationRisk; rr == nil {
		risk.Paras = []string{"Not measured for this run."}
	} else {
		risk.Paras = []string{fmt.Sprintf("For each combination of what the %s table publishes about a person, the groups of people "+
			"sharing every value: the smallest group, and the share of people in groups smaller than %d. "+
			"Small groups are expected in a pseudonymised extract for analysts, which is not anonymous; they are why it stays in the warehouse, "+
			"and why published counts go through disclosure control.", rr.Table, rr.K)}
		t := &table{ID: "reidentification-risk", Caption: "Re-identification risk of " + rr.Table, Cols: []column{
			{"Quasi-identifiers", "quasi_identifiers", Label}, {"Groups", "groups", Modelled}, {"Smallest group", "smallest_group", Modelled},
			{fmt.Sprintf("People in groups under %d (%%)", rr.K), "share_in_groups_under_k_pct", Rate},
		}, Note: "Measures of the extract as a whole, not counts of people in an area: not rounded."}
		for _, c := range rr.Combinations {
			t.Rows = append(t.Rows, []Cell{Text(strings.Join(c.QuasiIdentifiers, " + ")), ModelledFigure(float64(c.Groups), 0),
				ModelledFigure(float64(c.SmallestGroup), 0), r.dc.RateOf(0, 0, 100*c.ShareUnderK, 1)})
		}
		risk.Table = t
	}

	key := block{Heading: "Pseudonymisation key"}
	switch kc := m.KeyContinuity; {
	case kc == nil:
		key.Paras = []string{"Key id " + m.KeyID + ": not compared with earlier runs."}
	case kc.PreviousRunID == "":
		key.Paras = []string{"Key id " + m.KeyID + ": the first run of this warehouse."}
	case !kc.Changed:
		key.Paras = []string{fmt.Sprintf("Key id %s: the same key as the previous run, %s; pseudonyms link across the two.", m.KeyID, kc.PreviousRunID)}
	default:
		key.Paras = []string{fmt.Sprintf("Key id %s: CHANGED from %s (previous run %s), declared intended by %s. "+
			"Every pseudonym changed: people do not link to earlier runs.", m.KeyID, kc.PreviousKeyID, kc.PreviousRunID, kc.IntendedBy)}
	}

	lists := block{Heading: "Opt-out evidence"}
	var evidence []struct {
		Source     string    `json:"source"`
		SHA256     string    `json:"sha256"`
		AsOf       time.Time `json:"as_of"`
		AsOfSource string    `json:"as_of_source"`
		Entries    int64     `json:"entries"`
		Invalid    int64     `json:"invalid"`
	}
	if b, err := json.Marshal(m.OptOuts); err == nil {
		json.Unmarshal(b, &evidence) // absent or of another shape: no rows
	}
	t := &table{ID: "optout-evidence", Caption: "Opt-out sources applied", Cols: []column{
		{"Source", "source", Label}, {"Entries", "entries", Count}, {"Excluded: record failed validation", "invalid", Count},
		{"Dated", "as_of", Label}, {"Dated by", "as_of_source", Label}, {"SHA-256", "sha256", Label},
	}, Note: "Entries: NHS numbers listed; for GP Type 1, people whose latest code objects. GP Type 1 records that may object but failed validation exclude their person all the same (fail closed)."}
	for _, e := range evidence {
		dated, by := "", asOfLabels[e.AsOfSource]
		if !e.AsOf.IsZero() {
			dated = e.AsOf.Format(time.DateOnly)
		}
		t.Rows = append(t.Rows, []Cell{Text(humanise(e.Source)), r.dc.Count(e.Entries), r.dc.Count(e.Invalid), Text(dated), Text(by), Text(e.SHA256)})
	}
	lists.Table = t

	sec.Blocks = []block{risk, key, lists}
	return sec
}

// asOfLabels say what dated an opt-out list (pseudonymise.AsOf*).
var asOfLabels = map[string]string{
	"as_of":                  "the date configured with it",
	"file_name":              "the date in its file name",
	"modified_time_fallback": "its modification time (a fallback: copying a file resets it)",
}
