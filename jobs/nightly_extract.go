package jobs

import (
	"cmp"
	"context"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/internal/batch"
	"github.com/yhcr/carecast/internal/progress"
	"github.com/yhcr/carecast/pseudonymise"
	"github.com/yhcr/carecast/transforms"
	"github.com/yhcr/carecast/transforms/feeds"
	"github.com/yhcr/carecast/warehouse"
)

// optOutRow is a row of optouts_applied.parquet.
type optOutRow struct {
	Reason  string `parquet:"reason,dict"`
	Feed    string `parquet:"feed,dict"`
	LAD     string `parquet:"lad_code,dict"`
	People  int64  `parquet:"people"`
	Records int64  `parquet:"records"`
}

// feedCountRow is a row of feed_counts.parquet.
type feedCountRow struct {
	Feed        string `parquet:"feed,dict"`
	LAD         string `parquet:"lad_code,dict"`
	Entity      string `parquet:"entity,dict"`
	Read        int64  `parquet:"read"`
	Quarantined int64  `parquet:"quarantined"`
	OptedOut    int64  `parquet:"opted_out"`
	Written     int64  `parquet:"written"`
}

// skippedRow is a row of feed_skipped.parquet: records a reader kept out on
// purpose (resources of a type carecast does not read, and resources that
// are not activity) and records kept with a code outside the mappings.
type skippedRow struct {
	Feed    string `parquet:"feed,dict"`
	Kind    string `parquet:"kind,dict"`    // the FHIR resource type, or the entity
	Outcome string `parquet:"outcome,dict"` // skipped or unmapped
	Detail  string `parquet:"detail,dict"`  // why it was skipped, or the element whose code is unmapped
	Records int64  `parquet:"records"`
}

// quarantineRow is a row of quarantine.parquet: where and why, never what.
// The input is named by feed and ordinal, never by its file name.
type quarantineRow struct {
	Feed   string `parquet:"feed,dict"`
	Input  string `parquet:"input,dict"`
	Record int64  `parquet:"record"`
	Entity string `parquet:"entity,dict"`
	Reason string `parquet:"reason,dict"`
	Field  string `parquet:"field,dict"`
	LAD    string `parquet:"lad_code,dict"`
}

// hashInputs records the size and SHA-256 of every input file for the
// manifest: as the feed recorded it while reading the file whole, else read
// once more now (a file a feed did not read, or read only in part). Being
// a stage of its own, its time counts in the extract's (make bench).
func (p *pipeline) hashInputs(inputs *transforms.Inputs, files [][]string, sums *transforms.Checksums) error {
	for i, fc := range p.feeds {
		for _, path := range files[i] {
			in := inputs.Input(fc.Name, path)
			f := warehouse.InputFile{Input: in.Name, Feed: in.Feed, Ordinal: in.Ordinal}
			if sum, ok := sums.Get(path); ok {
				f.Size, f.SHA256 = sum.Size, hex.EncodeToString(sum.SHA256[:])
			} else {
				h, err := warehouse.HashFile(path)
				if err != nil {
					return inputs.RedactError(fmt.Errorf("feed %s: %w", fc.Name, err))
				}
				f.Size, f.SHA256 = h.Size, h.SHA256
			}
			p.inputs = append(p.inputs, f)
		}
	}
	return nil
}

// placeKey groups counts by feed, place and a label.
type placeKey struct{ feed, lad, label string }

// extract reads every feed through opt-out removal and pseudonymisation into
// the run's Parquet tables. Persons of every feed are read first, so that
// events can be validated against them and generalised with their age and
// place; then GP objections; then events, streamed straight to Parquet.
func (p *pipeline) extract(ctx context.Context, run *warehouse.Run) error {
	today := p.today()
	postcodes, err := p.postcodes()
	if err != nil {
		return permanent(err)
	}
	type1 := p.cfg.OptOuts.Type1
	opts := transforms.Options{
		Today:          today,
		PostcodeLookup: postcodes,
		Type1Codes:     slices.Concat(type1.ObjectionCodes, type1.WithdrawalCodes),
		SharedSystems:  p.cfg.SharedIdentifierSystems,
	}
	// Inputs are named by feed and ordinal before anything is read, and
	// every error met reading a feed is redacted: file names may carry a
	// patient's name or NHS number.
	inputs := transforms.NewInputs()
	for _, fc := range p.feeds {
		inputs.AddFeed(fc.Name, fc.Path)
	}
	// The feeds hash their files as they read them; hashInputs hashes
	// the rest.
	opts.Checksums = transforms.NewChecksums()
	opened := make([]transforms.Feed, 0, len(p.feeds))
	files := make([][]string, 0, len(p.feeds))
	for _, fc := range p.feeds {
		f, err := feeds.Open(fc, opts)
		if err != nil {
			return permanent(inputs.RedactError(fmt.Errorf("feed %s: %w", fc.Name, err)))
		}
		paths, err := f.Files()
		if err != nil {
			return inputs.RedactError(fmt.Errorf("feed %s: %w", fc.Name, err))
		}
		opened = append(opened, f)
		files = append(files, paths)
	}
	// The generaliser resolves residence as each person is added, so
	// postcodes leave memory at once and places are known for quarantine.
	gen := pseudonymise.NewGeneraliser(p.geo, postcodes)
	people := pseudonymise.NewPeople()
	people.SetGeneraliser(gen)
	peopleRead := map[string]int64{}
	// The quarantine asks for places only while feeds are read; reaching
	// people through a variable cleared at the end lets the per-person
	// state go with the extract.
	place := people.Place
	defer func() { place = nil }()
	p.quarantine = transforms.NewQuarantine(func(key string) string { return place(key) })
	p.quarantine.SetInputs(inputs)
	q := p.quarantine
	err = p.timed("read_persons", func() error {
		for _, f := range opened {
			if err := f.Persons(ctx, q, func(person *canonical.Person) error {
				peopleRead[f.Name()]++
				people.Add(person)
				return nil
			}); err != nil {
				return inputs.RedactError(fmt.Errorf("feed %s: persons: %w", f.Name(), err))
			}
		}
		for _, f := range opened {
			if err := f.Objections(ctx, q, func(o *canonical.Objection) error {
				p.optOuts.AddObjection(o)
				return nil
			}); err != nil {
				return inputs.RedactError(fmt.Errorf("feed %s: GP objections: %w", f.Name(), err))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	// Opt-outs are applied to people before anything about them is written.
	removedPeople := people.ApplyOptOuts(p.optOuts, p.cfg.OptOutsEnabled())

	pseudonyms := pseudonymise.NewPseudonymiser(p.key)
	var personsWritten int64
	err = p.timed("write_persons", func() error {
		w, err := run.Persons()
		if err != nil {
			return err
		}
		rows := batch.NewWriter(4096, 4, batch.Each(w.Write))
		err = people.Rows(pseudonyms, gen, today, func(r *pseudonymise.PersonRow) error {
			personsWritten++
			return rows.Add(r)
		})
		if err = cmp.Or(err, rows.Close()); err != nil {
			w.Close()
			return fmt.Errorf("write persons: %w", err)
		}
		return w.Close()
	})
	if err != nil {
		return err
	}

	written := map[placeKey]int64{}
	byYear := serviceYears{years: map[int]*serviceCounts{}}
	removedRecords := map[placeKey]int64{}
	err = p.timed("write_activity", func() error {
		w, err := run.Activity()
		if err != nil {
			return err
		}
		// Feeds are read, validated and pseudonymised on this goroutine —
		// the person an event is checked against is still in the CPU's
		// cache when it is pseudonymised —; rows are counted and encoded to
		// Parquet on a second one, so that the two overlap. people is only
		// read from now on; written and byYear belong to the second
		// goroutine until rows.Close. Batches are large (16,384 rows, 2.9
		// MB): with 512 the goroutines waited on each other and the stage
		// took 40% longer, with 4,096 about 15% longer.
		bar := progress.New(p.req.Progress, p.req.Progress != nil, 0, "events")
		defer bar.Finish()
		rows := batch.NewWriter(16384, 4, func(b []pseudonymise.ActivityRow) error {
			bar.Add(len(b))
			// Runs of rows of one feed and place are counted, then added.
			var run placeKey
			var n int64
			for i := range b {
				r := &b[i]
				if k := (placeKey{r.Feed, r.LAD, "event"}); k != run {
					if n > 0 {
						written[run] += n
					}
					run, n = k, 0
				}
				n++
				byYear.add(r.Date, r.Service)
				if err := w.Write(r); err != nil {
					return err
				}
			}
			if n > 0 {
				written[run] += n
			}
			return nil
		})
		// Each row is built in its place in the batch, not copied in.
		event := func(e *canonical.Event) error {
			kept, reason := people.Event(e, rows.Next())
			if !kept {
				removedRecords[placeKey{e.Feed, people.Place(e.PersonKey), string(reason)}]++
				return nil
			}
			return rows.Commit()
		}
		for _, f := range opened {
			if err := f.Events(ctx, q, people, event); err != nil {
				rows.Close()
				w.Close()
				return inputs.RedactError(fmt.Errorf("feed %s: events: %w", f.Name(), err))
			}
		}
		if err := rows.Close(); err != nil {
			w.Close()
			return fmt.Errorf("write activity: %w", err)
		}
		return w.Close()
	})
	if err != nil {
		return err
	}

	if err := p.timed("hash_inputs", func() error { return p.hashInputs(inputs, files, opts.Checksums) }); err != nil {
		return err
	}

	// A feed with too many rejects fails the run, naming it and its reasons.
	for i, f := range opened {
		if err := q.Check(f.Name(), p.cfg.FeedMaxRejected(p.feeds[i])); err != nil {
			return permanent(err)
		}
	}

	p.optOutRows = mergeOptOuts(removedPeople, removedRecords)
	p.feedRows = p.feedCounts(written, removedRecords)
	p.counts = map[string]int64{
		"people_read":    int64(people.Len()),
		"people_written": personsWritten,
	}
	for _, n := range written {
		p.counts["events_written"] += n
	}
	for _, r := range p.optOutRows {
		p.counts["people_opted_out"] += r.People
		p.counts["events_opted_out"] += r.Records
	}
	for _, c := range q.Counts() {
		p.counts["records_quarantined"] += c.N
	}
	// Why people have no known place, for the report to say how to fix it.
	st := people.Stats()
	for name, n := range map[string]int64{
		"people_unplaced": st.UnknownPlace, "people_unplaced_no_residence": st.NoResidence,
		"people_unplaced_lsoa_unknown": st.LSOAUnknown, "people_unplaced_no_postcode_lookup": st.NoPostcodeTable,
		"people_unplaced_postcode_unknown": st.PostcodeUnknown,
	} {
		p.counts[name] = n
	}
	p.summary = p.summarise(peopleRead, byYear)
	p.tables = map[string]int64{"persons": personsWritten, "activity": p.counts["events_written"]}
	return p.timed("write_summaries", func() error { return p.writeSummaries(run) })
}

func (p *pipeline) postcodes() (map[string]string, error) {
	if p.cfg.Geography.PostcodeLookupFile == "" {
		return nil, nil
	}
	return pseudonymise.LoadPostcodeLookup(p.cfg.Geography.PostcodeLookupFile)
}

func mergeOptOuts(people []pseudonymise.OptOutCount, records map[placeKey]int64) []optOutRow {
	byKey := map[placeKey]*optOutRow{}
	get := func(k placeKey) *optOutRow {
		r, ok := byKey[k]
		if !ok {
			r = &optOutRow{Reason: k.label, Feed: k.feed, LAD: k.lad}
			byKey[k] = r
		}
		return r
	}
	for _, c := range people {
		get(placeKey{c.Feed, c.LAD, string(c.Reason)}).People += c.People
	}
	for k, n := range records {
		get(k).Records += n
	}
	out := make([]optOutRow, 0, len(byKey))
	for _, r := range byKey {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b optOutRow) int {
		return strings.Compare(a.Reason+"\x00"+a.Feed+"\x00"+a.LAD, b.Reason+"\x00"+b.Feed+"\x00"+b.LAD)
	})
	return out
}

// feedCounts derives feed_counts: per feed, place and entity, what was read
// and where it went. Events read = written + quarantined + opted out.
func (p *pipeline) feedCounts(written, removed map[placeKey]int64) []feedCountRow {
	byKey := map[placeKey]*feedCountRow{}
	get := func(feed, lad, entity string) *feedCountRow {
		k := placeKey{feed, lad, entity}
		r, ok := byKey[k]
		if !ok {
			r = &feedCountRow{Feed: feed, LAD: lad, Entity: entity}
			byKey[k] = r
		}
		return r
	}
	for k, n := range written {
		get(k.feed, k.lad, "event").Written += n
	}
	for k, n := range removed {
		get(k.feed, k.lad, "event").OptedOut += n
	}
	for _, c := range p.quarantine.Counts() {
		get(c.Feed, c.LAD, c.Entity).Quarantined += c.N
	}
	out := make([]feedCountRow, 0, len(byKey))
	for _, r := range byKey {
		r.Read = r.Written + r.Quarantined + r.OptedOut
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b feedCountRow) int {
		return strings.Compare(a.Feed+"\x00"+a.Entity+"\x00"+a.LAD, b.Feed+"\x00"+b.Entity+"\x00"+b.LAD)
	})
	return out
}

func (p *pipeline) writeSummaries(run *warehouse.Run) error {
	rej := p.quarantine.Rejections()
	rows := make([]quarantineRow, len(rej))
	for i, r := range rej {
		rows[i] = quarantineRow{Feed: r.Feed, Input: r.File, Record: r.Record, Entity: r.Entity,
			Reason: string(r.Reason), Field: r.Field, LAD: r.LAD}
	}
	if err := warehouse.WriteTable(filepath.Join(run.Dir(), "quarantine.parquet"), rows); err != nil {
		return err
	}
	if err := warehouse.WriteTable(filepath.Join(run.Dir(), "optouts_applied.parquet"), p.optOutRows); err != nil {
		return err
	}
	var skipped []skippedRow
	for _, c := range p.quarantine.IgnoredCounts() {
		skipped = append(skipped, skippedRow{Feed: c.Feed, Kind: c.Kind, Outcome: "skipped", Detail: c.Reason, Records: c.N})
	}
	for _, c := range p.quarantine.UnmappedCounts() {
		skipped = append(skipped, skippedRow{Feed: c.Feed, Kind: c.Entity, Outcome: "unmapped", Detail: c.Field, Records: c.N})
	}
	if err := warehouse.WriteTable(filepath.Join(run.Dir(), "feed_skipped.parquet"), skipped); err != nil {
		return err
	}
	p.tables["feed_skipped"] = int64(len(skipped))
	p.tables["quarantine"] = int64(len(rows))
	p.tables["optouts_applied"] = int64(len(p.optOutRows))
	p.tables["feed_counts"] = int64(len(p.feedRows))
	return warehouse.WriteTable(filepath.Join(run.Dir(), "feed_counts.parquet"), p.feedRows)
}

func quarantineCounts(q *transforms.Quarantine) map[string]int64 {
	out := map[string]int64{}
	if q == nil {
		return out
	}
	for _, c := range q.Counts() {
		out[c.Feed+"/"+string(c.Reason)] += c.N
	}
	return out
}

// serviceYears counts events written by year and service. The last year
// counted is kept at hand: consecutive events mostly fall in one year.
type serviceYears struct {
	years    map[int]*serviceCounts
	from, to canonical.Date // first days of the last year and of the next
	last     *serviceCounts
}

type serviceCounts [canonical.DiagnosticTest + 1]int64

func (c *serviceYears) add(d canonical.Date, s canonical.Service) {
	if c.last == nil || d < c.from || d >= c.to {
		y := d.Year()
		n, ok := c.years[y]
		if !ok {
			n = new(serviceCounts)
			c.years[y] = n
		}
		c.last, c.from, c.to = n, canonical.MakeDate(y, 1, 1), canonical.MakeDate(y+1, 1, 1)
	}
	c.last[s]++
}

func (p *pipeline) summarise(peopleRead map[string]int64, byYear serviceYears) Summary {
	s := Summary{Demo: p.demo, Years: map[int]map[string]int64{}}
	services := append([]canonical.Service{canonical.ServiceUnknown}, canonical.Services()...)
	for _, svc := range canonical.Services() {
		s.Services = append(s.Services, svc.String())
	}
	for y, counts := range byYear.years {
		m := map[string]int64{}
		for _, svc := range services {
			if counts[svc] > 0 {
				m[svc.String()] = counts[svc]
			}
		}
		s.Years[y] = m
		if counts[canonical.ServiceUnknown] > 0 && !slices.Contains(s.Services, "unknown") {
			s.Services = append(s.Services, "unknown")
		}
	}
	for _, f := range p.feeds {
		fs := FeedSummary{Name: f.Name, People: peopleRead[f.Name]}
		for _, r := range p.feedRows {
			if r.Feed != f.Name {
				continue
			}
			fs.Quarantined += r.Quarantined
			if r.Entity == "event" {
				fs.Events += r.Read
				fs.OptedOut += r.OptedOut
				fs.Written += r.Written
			}
		}
		s.Feeds = append(s.Feeds, fs)
	}
	byReason := map[[2]string]int64{}
	for _, c := range p.quarantine.Counts() {
		byReason[[2]string{c.Feed, string(c.Reason)}] += c.N
	}
	for k, n := range byReason {
		s.Rejected = append(s.Rejected, RejectedCount{Feed: k[0], Reason: k[1], N: n})
	}
	slices.SortFunc(s.Rejected, func(a, b RejectedCount) int {
		return strings.Compare(a.Feed+"\x00"+a.Reason, b.Feed+"\x00"+b.Reason)
	})
	return s
}
