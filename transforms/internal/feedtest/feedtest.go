// Package feedtest holds what the feed readers' tests share: reading a feed
// through its three passes as the pipeline does, a deterministic summary
// for golden files, the check that no rejection carries an input value, and
// the fuzz targets' body built on it.
package feedtest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
)

var update = flag.Bool("update", false, "rewrite golden files")

// People is a PersonIndex over the persons read.
type People map[string][2]canonical.Date

// Person implements transforms.PersonIndex.
func (p People) Person(key string) (birth, death canonical.Date, ok bool) {
	d, ok := p[key]
	return d[0], d[1], ok
}

// Result is what reading a feed gave.
type Result struct {
	Feed       string
	Persons    []canonical.Person
	Objections []canonical.Objection
	Events     []canonical.Event
	Quarantine *transforms.Quarantine
}

// Read reads f's persons, objections and events, in the pipeline's order.
func Read(ctx context.Context, f transforms.Feed) (*Result, error) {
	r := &Result{Feed: f.Name(), Quarantine: transforms.NewQuarantine(nil)}
	// Inputs are named as the pipeline names them, from the feed's folder.
	files, err := f.Files()
	if err != nil {
		return nil, err
	}
	if len(files) > 0 {
		r.Quarantine.Inputs().AddFeed(f.Name(), filepath.Dir(files[0]))
	}
	people := People{}
	err = f.Persons(ctx, r.Quarantine, func(p *canonical.Person) error {
		r.Persons = append(r.Persons, *p)
		people[p.Key] = [2]canonical.Date{p.BirthDate, p.DeathDate}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = f.Objections(ctx, r.Quarantine, func(o *canonical.Objection) error {
		r.Objections = append(r.Objections, *o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = f.Events(ctx, r.Quarantine, people, func(e *canonical.Event) error {
		r.Events = append(r.Events, *e)
		return nil
	})
	return r, err
}

// Counts summarises r by kind only: persons, objections, events by service,
// and rejections by entity — what must agree between formats.
func (r *Result) Counts() string {
	var b strings.Builder
	fmt.Fprintf(&b, "persons %d\nobjections %d\n", len(r.Persons), len(r.Objections))
	by := map[canonical.Service]int{}
	for _, e := range r.Events {
		by[e.Service]++
	}
	for s := canonical.ServiceUnknown; s <= canonical.DiagnosticTest; s++ {
		fmt.Fprintf(&b, "events %s %d\n", s, by[s])
	}
	rej := map[string]int64{}
	for _, c := range r.Quarantine.Counts() {
		rej[c.Entity] += c.N
	}
	for _, e := range []string{transforms.EntityPerson, transforms.EntityObjection, transforms.EntityEvent} {
		fmt.Fprintf(&b, "rejected %s %d of %d\n", e, rej[e], r.Quarantine.ReadCount(r.Feed, e))
	}
	return b.String()
}

// String is the full summary for golden files: counts, every record kept
// and every rejection. A rejection names its input (feed#n); the summary
// shows that input's file name, which the fixtures' names make readable.
func (r *Result) String() string {
	var b strings.Builder
	b.WriteString(r.Counts())
	for _, p := range r.Persons {
		fmt.Fprintf(&b, "person %s nhs=%v born=%s died=%s sex=%s lsoa=%s practice=%s\n",
			p.Key, p.HasNHSNumber, p.BirthDate, p.DeathDate, p.Sex, p.LSOA, p.Practice)
	}
	for _, o := range r.Objections {
		invalid := ""
		if o.Invalid {
			invalid = " invalid"
		}
		fmt.Fprintf(&b, "objection %s %s %s %s%s\n", o.PersonKey, o.Date, o.System, o.Code, invalid)
	}
	for _, e := range r.Events {
		fmt.Fprintf(&b, "event %s %s %s %s minute=%d %s provider=%s code=%s:%s stay=%d\n",
			e.SourceID, e.PersonKey, e.Date, e.Service, e.Minute, e.Setting, e.Provider, e.CodeSystem, e.Code, e.LengthOfStay)
	}
	for _, j := range r.Quarantine.Rejections() {
		fmt.Fprintf(&b, "rejected %s %s:%d %s %s field=%s lad=%s\n",
			j.Feed, r.fileOf(j.File), j.Record, j.Entity, j.Reason, j.Field, j.LAD)
	}
	for _, u := range r.Quarantine.UnmappedCounts() {
		fmt.Fprintf(&b, "unmapped %s %s %s %d\n", u.Feed, u.Entity, u.Field, u.N)
	}
	for _, g := range r.Quarantine.IgnoredCounts() {
		fmt.Fprintf(&b, "ignored %s %s: %s %d\n", g.Feed, g.Kind, g.Reason, g.N)
	}
	return b.String()
}

// Golden compares got with the golden file at path, rewriting it under
// -update.
func Golden(t testing.TB, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n%s", path, diff(string(want), got))
	}
}

// diff lists the lines of got that want lacks and the other way round.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for _, l := range w {
		if !slices.Contains(g, l) {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}

// Leaks returns the first of values (shorter ones are skipped: they match
// innocent text) found in a rejection or in err's message.
func Leaks(q *transforms.Quarantine, err error, values []string) (string, bool) {
	var texts []string
	if q != nil {
		for _, r := range q.Rejections() {
			texts = append(texts, r.Feed, filepath.Base(r.File), r.Entity, string(r.Reason), r.Field, r.LAD)
		}
	}
	if err != nil {
		texts = append(texts, err.Error())
	}
	for _, v := range values {
		if len(v) < 5 {
			continue
		}
		for _, t := range texts {
			if strings.Contains(t, v) {
				return v, true
			}
		}
	}
	return "", false
}

// Marker is planted in fuzz inputs' values: no rejection or error may carry
// it.
const Marker = "QZXMARKER"

// FuzzRead writes files into a fresh folder, opens it with open and reads
// it, failing if a rejection or error carries Marker. A panic fails the
// fuzz target by itself.
func FuzzRead(t *testing.T, files map[string][]byte, open func(dir string) (transforms.Feed, error)) {
	t.Helper()
	f, err := open(WriteFeed(t, files))
	if err != nil {
		if _, leaked := Leaks(nil, err, []string{Marker}); leaked {
			t.Fatalf("error holds an input value: %v", err)
		}
		return
	}
	r, err := Read(context.Background(), f)
	var q *transforms.Quarantine
	if r != nil {
		q = r.Quarantine
	}
	if _, leaked := Leaks(q, err, []string{Marker}); leaked {
		t.Fatalf("a rejection or error holds an input value (err %v)", err)
	}
}

// WriteFeed writes a feed folder of files (name → content) in a temporary
// folder and returns its path.
func WriteFeed[T string | []byte](t testing.TB, files map[string]T) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// ReadFeed opens the feed in dir with open and reads it, failing the test
// on any error.
func ReadFeed(t testing.TB, dir string, open func(dir string) (transforms.Feed, error)) *Result {
	t.Helper()
	f, err := open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Read(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fileOf returns the file name of the input called name, checking that a
// rejection names its input, never its file.
func (r *Result) fileOf(name string) string {
	path := r.Quarantine.Inputs().PathOf(name)
	if path == "" {
		return "NOT-AN-INPUT-NAME(" + name + ")"
	}
	return filepath.Base(path)
}
