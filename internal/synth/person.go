package synth

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
)

// Shares of people and events with a property, and their sources.
const (
	// listSize is the mean registered list of a synthetic practice (NHS
	// Digital, Patients Registered at a GP Practice: about 9,000 in 2020).
	listSize = 8000
	// maxPractices per place keeps ODS codes within a prefix's 999.
	maxPractices = 120
	// type1Share is the share of people with a GP Type 1 objection (the
	// brief's ~0.3 %), and withdrawShare the share of those later withdrawn.
	type1Share    = 0.003
	withdrawShare = 0.25
	// repeatShare of diagnostic tests is repeated at another provider
	// within 30 days.
	repeatShare = 0.08
	// daysPerYear converts yearly rates to daily ones.
	daysPerYear = 365.25
)

// A&E arrivals by hour of day (NHS Digital ECDS, arrivals by hour: lowest
// before dawn, highest late morning to early evening).
var aeHours = cumulative([]float64{2, 1.5, 1.2, 1, .9, .9, 1.2, 2, 3.5, 5, 5.8, 6, 5.8, 5.6, 5.4, 5.3,
	5.3, 5.4, 5.4, 5, 4.4, 3.6, 3, 2.4})

func cumulative(w []float64) []float64 {
	out := make([]float64, len(w))
	var sum float64
	for i, x := range w {
		sum += x
		out[i] = sum
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

// person is one synthetic person while their records are generated.
type person struct {
	canonical.Person
	sex   int // rateTable index
	area  *area
	place *place
}

// place generates the people of one local authority: its mid-2020
// population at the scale, by single year of age and sex, then the babies
// born during the period. The mid-2020 estimates stand for the population
// on the first day of the period, whichever year that is; from then on
// people age, die and are born, and nobody migrates.
func (g *generator) place(ctx context.Context, r *rand.Rand, pl *place) error {
	practices := g.practiceCodes(pl)
	var age0 [2]float64
	for _, row := range pl.population {
		for sex, n := range [2]float64{row.Male, row.Female} {
			if row.Age == 0 {
				age0[sex] = n
			}
			for range stochasticRound(r, n*g.opts.Scale) {
				age := row.Age
				if age == 90 { // 90 and over: about a quarter fewer each year
					for age < maxAge && r.Float64() < .75 {
						age++
					}
				}
				dob := g.m.start.AddDays(-int((float64(age) + r.Float64()) * daysPerYear))
				if err := g.person(ctx, r, pl, practices, sex, dob, false); err != nil {
					return err
				}
			}
		}
	}
	// Births: as many a year as the place's babies under one.
	days := int(g.m.end-g.m.start) + 1
	births := stochasticRound(r, (age0[0]+age0[1])*g.opts.Scale*float64(days)/daysPerYear)
	for range births {
		sex := 0
		if r.Float64() >= age0[0]/(age0[0]+age0[1]) {
			sex = 1
		}
		dob := g.m.start.AddDays(r.IntN(days))
		if err := g.person(ctx, r, pl, practices, sex, dob, true); err != nil {
			return err
		}
	}
	return nil
}

// practiceCodes names the place's GP practices, with ODS codes of the
// place's prefix numbered after those of earlier places with the same one.
func (g *generator) practiceCodes(pl *place) []string {
	used := 0
	for _, p := range g.w.places[:slices.Index(g.w.places, pl)] {
		if p.gpPrefix == pl.gpPrefix {
			used += g.practiceCount(p)
		}
	}
	codes := make([]string, g.practiceCount(pl))
	for i := range codes {
		codes[i] = pl.gpPrefix + pad3(used+i+1)
	}
	g.practices += len(codes)
	return codes
}

// practiceCount is how many practices a place has: enough for lists of
// about listSize at this scale.
func (g *generator) practiceCount(pl *place) int {
	var pop float64
	for _, r := range pl.population {
		pop += r.Male + r.Female
	}
	return min(max(2, int(pop*g.opts.Scale/listSize+.5)), maxPractices)
}

func pad3(n int) string {
	s := strconv.Itoa(n % 1000)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

// postcode makes a full postcode in one of the districts: the outward code,
// then a sector digit and two unit letters; none where the districts are
// not known.
func postcode(r *rand.Rand, districts []string) string {
	if len(districts) == 0 {
		return ""
	}
	b := make([]byte, 0, 8)
	b = append(b, pick(r, districts)...)
	b = append(b, ' ', byte('1'+r.IntN(9)), inwardLetters[r.IntN(len(inwardLetters))], inwardLetters[r.IntN(len(inwardLetters))])
	return string(b)
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// person makes one person and writes their records: the person, their
// opt-outs and their events.
func (g *generator) person(ctx context.Context, r *rand.Rand, pl *place, practices []string, sex int, dob canonical.Date, born bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	nhs, err := g.nhs.Next()
	if err != nil {
		return err
	}
	u := r.Float64()
	ai := sort.Search(len(pl.areas), func(i int) bool { return pl.areas[i].cum >= u })
	ai = min(ai, len(pl.areas)-1)
	a := &pl.areas[ai]
	// Practices serve neighbouring LSOAs; some people stay registered
	// further away.
	practice := practices[ai*len(practices)/len(pl.areas)]
	if r.Float64() < .1 {
		practice = pick(r, practices)
	}
	p := &person{sex: sex, area: a, place: pl}
	p.Person = canonical.Person{
		Key:          nhs,
		HasNHSNumber: true,
		BirthDate:    dob,
		Sex:          canonical.Male,
		Postcode:     postcode(r, a.catchment.districts),
		LSOA:         a.lsoa,
		Practice:     practice,
		DeathDate:    canonical.NoDate,
		Address:      strconv.Itoa(1+r.IntN(180)) + " " + pick(r, streetNames) + " " + pick(r, streetKinds) + ", " + a.catchment.town,
		Phone:        "07700 900" + pad3(r.IntN(1000)),
	}
	given := pick(r, maleNames)
	if sex == 1 {
		p.Sex = canonical.Female
		given = pick(r, femaleNames)
	}
	p.Name = given + " " + pick(r, familyNames)
	p.DeathDate = g.death(r, sex, dob)

	// A person record with a defect is quarantined by the reader, so the
	// person gets no other records: their events would only be rejected in
	// turn, for want of a person.
	kind := g.defect(r, RecordPersons)
	if kind != noDefect && kind != duplicateRecord {
		return g.writePerson(r, p, kind)
	}
	if err := g.writePerson(r, p, kind); err != nil {
		return err
	}
	g.people++
	g.peopleByPlace[pl.lad]++
	if born {
		g.births++
	}
	if p.DeathDate.Valid() {
		g.deaths++
	}
	if r.Float64() < a.optOut {
		g.optOuts++
		g.deny.WriteString(nhs)
		g.deny.WriteByte('\n')
	}
	if r.Float64() < type1Share {
		if err := g.objection(r, p); err != nil {
			return err
		}
	}
	return g.activity(r, p)
}

// death draws the date of death within the period, or NoDate, from the
// yearly probability of dying at each age the person reaches.
func (g *generator) death(r *rand.Rand, sex int, dob canonical.Date) canonical.Date {
	for y := max(g.m.start, dob); y <= g.m.end; y = y.AddDays(365) {
		age := min(int(float64(y-dob)/daysPerYear), maxAge)
		if r.Float64() < deathRate(sex, age) {
			if d := y.AddDays(r.IntN(365)); d <= g.m.end {
				return d
			}
			return canonical.NoDate
		}
	}
	return canonical.NoDate
}

// objection writes a GP Type 1 objection, recorded at some time in the three
// years before the period or during it, and for some people its later
// withdrawal.
func (g *generator) objection(r *rand.Rand, p *person) error {
	from := max(g.m.start.AddDays(-3*365), p.BirthDate)
	to := g.m.end
	if p.DeathDate.Valid() {
		to = p.DeathDate
	}
	if to <= from {
		return nil
	}
	snomed := r.Float64() < .7
	obj := &canonical.Objection{PersonKey: p.Key, Date: from.AddDays(r.IntN(int(to - from)))}
	obj.System, obj.Code = "READ", "9Nu0"
	if snomed {
		obj.System, obj.Code = "SNOMED", "827241000000103"
	}
	objects, err := g.writeObjection(r, p, obj)
	if err != nil {
		return err
	}
	if room := int(to-obj.Date) - 30; room > 0 && r.Float64() < withdrawShare {
		wd := &canonical.Objection{PersonKey: p.Key, Date: obj.Date.AddDays(30 + r.IntN(room)), System: "READ", Code: "9Nu1"}
		if snomed {
			wd.System, wd.Code = "SNOMED", "827261000000102"
		}
		withdrawn, err := g.writeObjection(r, p, wd)
		if err != nil {
			return err
		}
		if withdrawn {
			objects = false
		}
	}
	if objects {
		g.objectors++
	}
	return nil
}

// activity generates the person's events over the part of the period they
// are alive, service by service, sorts them by date and writes them.
//
// Each service is a Poisson process whose daily rate is the person's age-sex
// rate times the day's factor. It is drawn by thinning: candidate days come
// at a constant bound rate and each is kept with probability rate/bound, so
// the cost is proportional to the events, not to the days.
func (g *generator) activity(r *rand.Rand, p *person) error {
	from, to := max(g.m.start, p.BirthDate), g.m.end
	if p.DeathDate.Valid() {
		to = min(to, p.DeathDate)
	}
	if to < from {
		return nil
	}
	g.events = g.events[:0]
	ageFrom := min(int(float64(from-p.BirthDate)/daysPerYear), maxAge)
	ageTo := min(int(float64(to-p.BirthDate)/daysPerYear), maxAge)
	c := &p.area.catchment
	adultAE, childAE := g.m.ae.index[c.acute], g.m.ae.index[c.childAE]
	span := float64(to-from) + 1
	for _, svc := range canonical.Services() {
		rates := &g.m.rates[svc][p.sex]
		maxRate := slices.Max(rates[ageFrom : ageTo+1])
		bound := maxRate * g.m.factorMax[svc]
		if svc == canonical.AEAttendance {
			bound = maxRate * max(g.m.aeMax[adultAE], g.m.aeMax[childAE])
		}
		if bound <= 0 {
			continue
		}
		gap := daysPerYear / bound // mean days between candidates
		for t := r.ExpFloat64() * gap; t < span; t += r.ExpFloat64() * gap {
			d := from + canonical.Date(t)
			i := d - g.m.start
			age := min(int(float64(d-p.BirthDate)/daysPerYear), maxAge)
			var f float64
			if svc == canonical.AEAttendance {
				ti := adultAE
				if age < 16 {
					ti = childAE
				}
				f = float64(g.m.aeFactor[ti][i])
			} else {
				f = float64(g.m.factor[svc][i])
			}
			if r.Float64()*bound >= rates[age]*f {
				continue
			}
			g.event(r, p, svc, d, age, to)
		}
	}
	slices.SortStableFunc(g.events, func(a, b canonical.Event) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.Minute, b.Minute))
	})
	for i := range g.events {
		if err := g.writeEvent(r, p, &g.events[i]); err != nil {
			return err
		}
	}
	return nil
}

// event adds one event of svc on day d, with its provider, time and codes,
// and for some diagnostic tests a repeat at another provider.
func (g *generator) event(r *rand.Rand, p *person, svc canonical.Service, d canonical.Date, age int, last canonical.Date) {
	c := &p.area.catchment
	e := canonical.Event{
		PersonKey: p.Key, Date: d, Minute: -1, Service: svc, Setting: svc.DefaultSetting(),
		Provider: c.acute, LengthOfStay: -1,
	}
	switch svc {
	case canonical.AEAttendance:
		if age < 16 {
			e.Provider = c.childAE
		}
		e.Minute = int16(hourOf(r, aeHours)*60 + r.IntN(60))
		e.CodeSystem, e.Code = "SNOMED", pick(r, aeCodes)
	case canonical.EmergencyAdmission:
		e.Minute = int16(hourOf(r, aeHours)*60 + r.IntN(60))
		e.CodeSystem, e.Code = "ICD-10", pick(r, emergencyCodes)
		e.LengthOfStay = 0
		if r.Float64() >= .3 { // about 30 % go home the same day
			mean := 2 + float64(age)/12
			e.LengthOfStay = int32(min(1+r.ExpFloat64()*(mean-1), 120))
		}
	case canonical.ElectiveAdmission:
		e.Minute = int16(7*60 + 15*r.IntN(8))
		e.CodeSystem, e.Code = "OPCS-4", pick(r, electiveCodes)
		e.LengthOfStay = 0
		if r.Float64() >= .78 { // about 78 % are day cases
			e.LengthOfStay = int32(min(1+r.ExpFloat64()*3, 60))
		}
	case canonical.OutpatientAttendance:
		e.Minute = int16(9*60 + 15*r.IntN(30))
		e.CodeSystem, e.Code = "SNOMED", pick(r, outpatientCodes)
	case canonical.GPAppointment:
		e.Provider = p.Practice
		e.Minute = int16(8*60 + 10*r.IntN(60))
		e.CodeSystem, e.Code = "SNOMED", pick(r, gpCodes)
	case canonical.CommunityContact:
		e.Provider = c.community
		e.Minute = int16(8*60 + 15*r.IntN(40))
		e.CodeSystem, e.Code = "SNOMED", pick(r, communityCodes)
	case canonical.SocialCareAssessment:
		e.Provider = p.place.lad // the local authority, by its LAD code
	case canonical.DiagnosticTest:
		e.Minute = int16(8*60 + 10*r.IntN(60))
		e.CodeSystem, e.Code = "SNOMED", pick(r, testCodes)
		if r.Float64() < repeatShare {
			rep := e
			rep.Date = d.AddDays(1 + r.IntN(30))
			if others := g.w.otherProviders(p.area); rep.Date <= last && len(others) > 0 {
				rep.Provider = pick(r, others)
				g.events = append(g.events, rep)
			}
		}
	}
	g.events = append(g.events, e)
}

func hourOf(r *rand.Rand, cum []float64) int {
	u := r.Float64()
	h, _ := slices.BinarySearch(cum, u)
	return min(h, len(cum)-1)
}

// Codes of each service, small plausible lists.
var (
	// ECDS chief complaints and diagnoses (SNOMED CT).
	aeCodes = []string{"125605004", "29857009", "21522001", "25064002", "233604007", "55680006",
		"267036007", "417746004", "271594007", "62315008"}
	// Primary diagnoses of emergency admissions (ICD-10).
	emergencyCodes = []string{"J18.9", "I21.9", "J44.1", "N39.0", "R07.4", "S72.0", "I50.9", "R10.4",
		"A41.9", "I63.9", "J22.X", "K92.2"}
	// Main procedures of elective admissions (OPCS-4): hip and knee
	// replacement, cataract, colonoscopy, hernia repair, cholecystectomy,
	// cystoscopy, tonsillectomy.
	electiveCodes = []string{"W37.1", "W40.1", "C71.2", "H22.9", "T20.2", "J18.3", "M45.9", "F34.4"}
	// Outpatient attendance types (SNOMED CT): new and follow-up.
	outpatientCodes = []string{"185387006", "185389009"}
	// GP consultation types (SNOMED CT): face to face, telephone, home visit.
	gpCodes = []string{"185316007", "185317003", "439708006"}
	// Community care (SNOMED CT): wound care, medication review, assessment.
	communityCodes = []string{"225358003", "182836005", "386053000"}
	// Diagnostic tests (SNOMED CT): CT, MRI, plain radiography, ultrasound,
	// ECG, echocardiography, colonoscopy.
	testCodes = []string{"77477000", "113091000", "168537006", "16310003", "29303009", "40701008", "73761001"}
)

// writePerson writes a person record, damaged as kind asks.
func (g *generator) writePerson(r *rand.Rand, p *person, kind defectKind) error {
	rec := p.Person
	switch kind {
	case invalidNHSNumber:
		rec.Key = corruptNHSNumber(r, rec.Key)
	case futureDate:
		rec.BirthDate = g.m.end.AddDays(30 + r.IntN(335))
	case missingField:
		rec.BirthDate = canonical.NoDate
	}
	d := kind.textDefect()
	return g.write(RecordPersons, kind, func() error { return g.out.Person(&rec, d) })
}

// textDefect returns the damage the feed writer does to a record's text
// for kind; the other kinds damage the record's values.
func (k defectKind) textDefect() transforms.Defect {
	switch k {
	case impossibleDate:
		return transforms.ImpossibleDate
	case truncatedLine:
		return transforms.Truncated
	case badEncoding:
		return transforms.BadEncoding
	}
	return transforms.NoDefect
}

// write counts a record of kind and writes it, twice when it is to be
// duplicated.
func (g *generator) write(record string, kind defectKind, write func() error) error {
	g.count(record, kind)
	if err := write(); err != nil {
		return err
	}
	if kind == duplicateRecord {
		g.records[record]++
		return write()
	}
	return nil
}

// writeObjection writes an objection record, perhaps with a defect, and
// reports whether it was written intact.
func (g *generator) writeObjection(r *rand.Rand, p *person, o *canonical.Objection) (bool, error) {
	kind := g.defect(r, RecordObjections)
	rec := *o
	switch kind {
	case invalidNHSNumber:
		rec.PersonKey = corruptNHSNumber(r, rec.PersonKey)
	case missingField:
		rec.Code = ""
	}
	d := kind.textDefect()
	if err := g.write(RecordObjections, kind, func() error { return g.out.Objection(&rec, d) }); err != nil {
		return false, err
	}
	intact := kind == noDefect || kind == duplicateRecord
	if intact {
		g.objections++
	}
	return intact, nil
}

// writeEvent numbers an event and writes it, perhaps with a defect.
func (g *generator) writeEvent(r *rand.Rand, p *person, e *canonical.Event) error {
	g.eventSeq++
	g.idBuf = strconv.AppendInt(append(g.idBuf[:0], 'A'), g.eventSeq, 10)
	e.SourceID = string(g.idBuf)
	kind := g.defect(r, RecordActivity)
	rec := *e
	switch kind {
	case invalidNHSNumber:
		rec.PersonKey = corruptNHSNumber(r, rec.PersonKey)
	case futureDate:
		rec.Date = g.m.end.AddDays(30 + r.IntN(335))
	case dateBeforeBirth:
		rec.Date = p.BirthDate.AddDays(-1 - r.IntN(3650))
	case unknownService:
		rec.Service = canonical.ServiceUnknown
	case missingField:
		switch r.IntN(3) {
		case 0:
			rec.Provider = ""
		case 1:
			rec.Date = canonical.NoDate
		default:
			rec.PersonKey = ""
		}
	}
	d := kind.textDefect()
	if err := g.write(RecordActivity, kind, func() error { return g.out.Event(&rec, d) }); err != nil {
		return err
	}
	if kind == noDefect || kind == duplicateRecord {
		g.eventCounts[e.Service][e.Date.Year()-g.startYear]++
	}
	return nil
}

// corruptNHSNumber changes an NHS number's check digit, which always makes
// it invalid: only one digit satisfies modulus 11.
func corruptNHSNumber(r *rand.Rand, nhs string) string {
	b := []byte(nhs)
	b[9] = '0' + (b[9]-'0'+byte(1+r.IntN(9)))%10
	return string(b)
}
