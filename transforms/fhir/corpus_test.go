package fhir

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
	"github.com/yhcr/carecast/transforms/internal/feedtest"
)

// The published FHIR R4 examples in testdata/corpus (sources in its
// README) are read as feeds, and every resource of the types carecast reads
// is checked against an oracle built with encoding/json: each is read (a
// person, an event, a GP objection), skipped as not activity, or rejected
// for one of the reasons the corpus is allowed — never as malformed, and
// never for a reason this test does not explain. What each file became is
// the golden table testdata/corpus/<corpus>.md, which docs/feeds.md links.

// corpus is a folder of examples and how it is read.
type corpus struct {
	dir string
	// personIDs are the person_id systems the corpus is read with, once
	// each: carecast keys a person by NHS number, else by one configured
	// identifier system, and the HL7 examples use several.
	personIDs []string
	// allowed are the rejections the corpus may have, and why each is
	// right.
	allowed map[transforms.Reason]string
}

var corpora = []corpus{
	{
		dir:       "uk-core",
		personIDs: []string{""},
		allowed: map[transforms.Reason]string{
			transforms.MissingField:     "extension examples: fragments without identifier, birth date, subject or date",
			transforms.InvalidNHSNumber: "UKCore-Patient-BabyPatient-Example: 9912003890 fails modulus 11",
		},
	},
	{
		dir: "hl7",
		personIDs: []string{"urn:oid:1.2.36.146.595.217.0.1", "urn:oid:0.1.2.3.4.5.6.7",
			"http://hl7.org/fhir/sid/us-ssn", "urn:oid:2.16.840.1.113883.2.4.6.3"},
		allowed: map[transforms.Reason]string{
			transforms.MissingField:    "no identifier in the run's system, no birth date, subject or date",
			transforms.UnknownPerson:   "a subject that is not in the examples, or was rejected",
			transforms.DuplicateRecord: "the same resource in several example files: the first is read",
		},
	},
	{
		dir:       "synthea",
		personIDs: []string{syntheaSystem},
		allowed:   map[transforms.Reason]string{},
	},
}

// oracleRes is a resource as encoding/json finds it.
type oracleRes struct {
	file  string
	index int64 // as the reader numbers it
	kind  string
	id    string
	key   func(personID string) string // a Patient's person key under a person_id
}

// oracle lists the resources of a corpus file, with Bundle entries (nested
// too) numbered as the reader numbers them; feed names the feed it is read
// as, which namespaces local identifiers.
func oracle(t *testing.T, feed, path string) []oracleRes {
	t.Helper()
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var r io.Reader = in
	if strings.HasSuffix(path, ".gz") {
		if r, err = gzip.NewReader(in); err != nil {
			t.Fatal(err)
		}
	}
	var top map[string]any
	if err := json.NewDecoder(r).Decode(&top); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []oracleRes
	var index int64
	var walk func(res map[string]any)
	walk = func(res map[string]any) {
		kind, _ := res["resourceType"].(string)
		if kind == "Bundle" {
			entries, _ := res["entry"].([]any)
			for _, e := range entries {
				index++
				if r, ok := e.(map[string]any)["resource"].(map[string]any); ok {
					walk(r)
				}
			}
			return
		}
		id, _ := res["id"].(string)
		o := oracleRes{file: filepath.Base(path), index: index, kind: kind, id: id}
		if kind == "Patient" {
			ids, _ := res["identifier"].([]any)
			o.key = func(personID string) string {
				for _, x := range ids {
					m := x.(map[string]any)
					if m["system"] == NHSNumberSystem {
						v, _ := m["value"].(string)
						return canonical.NormaliseNHSNumber(v)
					}
				}
				for _, x := range ids {
					m := x.(map[string]any)
					if v, _ := m["value"].(string); m["system"] == personID && v != "" && personID != "" {
						opts := transforms.Options{Feed: feed}
						return opts.PersonKey(personID, v)
					}
				}
				return ""
			}
		}
		out = append(out, o)
	}
	if top["resourceType"] == "Bundle" {
		walk(top)
	} else {
		index = 1
		walk(top)
	}
	return out
}

// outcome is what became of one resource in one reading.
type outcome struct {
	// rank orders the outcomes of the readings, the best counting: 4 read,
	// 3 skipped, 2 rejected, 1 rejected for want of an identifier in the
	// reading's person_id system, 0 not found.
	rank int
	text string
}

func TestCorpora(t *testing.T) {
	var summary strings.Builder
	summary.WriteString("| corpus | files | what they became |\n|---|---|---|\n")
	defer func() {
		if t.Failed() {
			return
		}
		feedtest.Golden(t, filepath.Join("testdata", "corpus", "summary.md"), summary.String())
		docs, err := os.ReadFile("../../docs/feeds.md")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(docs), summary.String()) {
			t.Errorf("docs/feeds.md lacks the table of testdata/corpus/summary.md: copy it there")
		}
	}()
	for _, c := range corpora {
		t.Run(c.dir, func(t *testing.T) {
			dir := filepath.Join("testdata", "corpus", c.dir)
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var res []oracleRes
			for _, e := range ents {
				if strings.Contains(e.Name(), ".json") {
					res = append(res, oracle(t, c.dir, filepath.Join(dir, e.Name()))...)
				}
			}
			best := make([]outcome, len(res))
			reasons := map[transforms.Reason]int{}
			for _, personID := range c.personIDs {
				f, err := Open(c.dir, dir, transforms.Options{Today: canonical.MakeDate(2026, 11, 1), PersonIDSystem: personID})
				if err != nil {
					t.Fatal(err)
				}
				r, err := feedtest.Read(context.Background(), f)
				if err != nil {
					t.Fatal(err)
				}
				balance(t, personID, res, r)
				read := readings(r, personID)
				for i, o := range res {
					got := read.of(o, personID)
					if got.rank > best[i].rank {
						best[i] = got
					}
				}
				for _, j := range r.Quarantine.Rejections() {
					reasons[j.Reason]++
				}
			}
			for reason, n := range reasons {
				if _, ok := c.allowed[reason]; !ok {
					t.Errorf("%d rejected as %s: no valid example may be", n, reason)
				}
			}
			for reason := range c.allowed {
				if reasons[reason] == 0 {
					t.Errorf("no rejection as %s: remove it from the reasons allowed", reason)
				}
			}
			var b strings.Builder
			fmt.Fprintf(&b, "| file | resource | became |\n|---|---|---|\n")
			for i, o := range res {
				if !slices.Contains(readTypes, o.kind) {
					continue
				}
				if best[i].rank == 0 {
					t.Errorf("%s %s/%s: read, skipped or rejected, and not found", o.file, o.kind, o.id)
				}
				fmt.Fprintf(&b, "| %s | %s/%s | %s |\n", o.file, o.kind, o.id, best[i].text)
			}
			feedtest.Golden(t, filepath.Join("testdata", "corpus", c.dir+".md"), b.String())
			summarise(&summary, c.dir, res, best)
		})
	}
}

// reading indexes what one reading of a corpus gave.
type reading struct {
	events   map[string]canonical.Event
	persons  map[string]canonical.Person
	rejected map[string]transforms.Rejection // by file and record
	objected map[string]bool                 // person keys with an objection
}

func readings(r *feedtest.Result, personID string) *reading {
	x := &reading{events: map[string]canonical.Event{}, persons: map[string]canonical.Person{},
		rejected: map[string]transforms.Rejection{}, objected: map[string]bool{}}
	for _, e := range r.Events {
		x.events[e.SourceID] = e
	}
	for _, p := range r.Persons {
		x.persons[p.Key] = p
	}
	for _, j := range r.Quarantine.Rejections() {
		x.rejected[fmt.Sprintf("%s:%d", fileOf(r, j), j.Record)] = j
	}
	for _, o := range r.Objections {
		x.objected[o.PersonKey] = true
	}
	return x
}

func (x *reading) of(o oracleRes, personID string) outcome {
	if j, ok := x.rejected[fmt.Sprintf("%s:%d", o.file, o.index)]; ok {
		rank := 2
		if j.Reason == transforms.MissingField && j.Field == "identifier" || j.Reason == transforms.UnknownPerson {
			rank = 1
		}
		return outcome{rank, fmt.Sprintf("rejected: %s %s", j.Reason, j.Field)}
	}
	switch o.kind {
	case "Patient":
		if p, ok := x.persons[o.key(personID)]; ok && o.key(personID) != "" {
			return outcome{4, fmt.Sprintf("person %s, born %s, %s%s%s", p.Key, p.BirthDate, p.Sex,
				opt(", LSOA ", p.LSOA), opt(", practice ", p.Practice))}
		}
	case "Organization":
		return outcome{3, "read for the references to it"}
	case "Encounter", "Procedure", "DiagnosticReport", "Observation":
		if e, ok := x.events[o.kind+"/"+o.id]; ok {
			return outcome{4, fmt.Sprintf("%s %s, provider %s%s, person %s", e.Service, e.Date,
				or(e.Provider, "none"), opt(", code ", strings.Trim(e.CodeSystem+":"+e.Code, ":")), e.PersonKey)}
		}
		return outcome{3, "skipped: not activity"}
	case "Condition", "Flag":
		return outcome{3, "skipped: not a Type 1 objection code"}
	}
	return outcome{}
}

func opt(label, v string) string {
	if v == "" {
		return ""
	}
	return label + v
}

func or(v, alt string) string {
	if v == "" {
		return alt
	}
	return v
}

// balance checks that every resource of a type carecast reads is accounted
// for once: read, skipped (counted by type) or rejected.
func balance(t *testing.T, personID string, res []oracleRes, r *feedtest.Result) {
	t.Helper()
	kindOf := map[string]string{}
	want := map[string]int64{}
	for _, o := range res {
		kindOf[fmt.Sprintf("%s:%d", o.file, o.index)] = o.kind
		want[o.kind]++
	}
	got := map[string]int64{"Patient": int64(len(r.Persons))}
	for _, e := range r.Events {
		kind, _, _ := strings.Cut(e.SourceID, "/")
		got[kind]++
	}
	for _, j := range r.Quarantine.Rejections() {
		got[kindOf[fmt.Sprintf("%s:%d", fileOf(r, j), j.Record)]]++
	}
	for _, g := range r.Quarantine.IgnoredCounts() {
		got[g.Kind] += g.N
	}
	got["Observation"] += int64(len(r.Objections)) // the corpora record objections as Observations only
	for _, kind := range readTypes {
		if kind != "Organization" && got[kind] != want[kind] {
			t.Errorf("person_id %q: %d %s resources, %d read, skipped or rejected", personID, want[kind], kind, got[kind])
		}
	}
}

// summarise adds a corpus's rows to the summary: files grouped by what
// their resources became.
func summarise(b *strings.Builder, dir string, res []oracleRes, best []outcome) {
	type tally struct {
		read, skipped map[string]int
		rejected      map[string]int
	}
	byFile := map[string]*tally{}
	var files []string
	for i, o := range res {
		t := byFile[o.file]
		if t == nil {
			t = &tally{map[string]int{}, map[string]int{}, map[string]int{}}
			byFile[o.file] = t
			files = append(files, o.file)
		}
		text := best[i].text
		switch {
		case !slices.Contains(readTypes, o.kind):
			t.skipped[o.kind+" (type not read)"]++
		case o.kind == "Organization":
			t.read["Organization (for references)"]++
		case best[i].rank == 4 && o.kind == "Patient":
			t.read["person"]++
		case best[i].rank == 4:
			service, _, _ := strings.Cut(text, " ")
			t.read[service]++
		case best[i].rank == 3:
			t.skipped[o.kind+" ("+strings.TrimPrefix(text, "skipped: ")+")"]++
		default:
			t.rejected[o.kind+" "+strings.TrimPrefix(text, "rejected: ")]++
		}
	}
	list := func(m map[string]int) string {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
		}
		return strings.Join(parts, ", ")
	}
	groups := map[string][]string{}
	var order []string
	for _, f := range files {
		t := byFile[f]
		var parts []string
		if len(t.read) > 0 {
			parts = append(parts, "read: "+list(t.read))
		}
		if len(t.rejected) > 0 {
			parts = append(parts, "rejected: "+list(t.rejected))
		}
		if len(t.skipped) > 0 {
			parts = append(parts, "skipped and counted: "+list(t.skipped))
		}
		key := strings.Join(parts, "; ")
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], f)
	}
	for _, key := range order {
		fs := groups[key]
		name := strings.Join(fs, ", ")
		if len(fs) > 3 {
			name = fmt.Sprintf("%s and %d more like it", strings.Join(fs[:2], ", "), len(fs)-2)
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", dir, name, key)
	}
}

// fileOf returns the name of the file a rejection names by its input.
func fileOf(r *feedtest.Result, j transforms.Rejection) string {
	return filepath.Base(r.Quarantine.Inputs().PathOf(j.File))
}
