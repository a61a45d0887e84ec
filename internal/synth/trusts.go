package synth

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/internal/refdata"
)

// placeInfo is what the generator knows of a local authority beyond the ONS
// figures: its real postcode districts, the prefix of its GP practices' ODS
// codes, the acute trust that serves it and its community services provider.
type placeInfo struct {
	town      string
	districts []string
	gpPrefix  string
	acute     string
	community string
}

// placeInfos is keyed by LAD (2020) code. Acute trusts: RXF Mid Yorkshire,
// RWY Calderdale and Huddersfield, RR8 Leeds, RAE Bradford, RCF Airedale,
// RCD Harrogate, RHQ Sheffield, RFF Barnsley, RFR Rotherham, RP5 Doncaster
// and Bassetlaw, RWA Hull, RJL Northern Lincolnshire and Goole, RCB York.
// Community providers: RY6 Leeds Community Healthcare, TAD Bradford District
// Care, RXG South West Yorkshire Partnership, RXE Rotherham Doncaster and
// South Humber, RHA Nottinghamshire Healthcare, RV9 Humber Teaching, and
// acute trusts that run their area's community services.
var placeInfos = map[string]placeInfo{
	"E06000010": {"Hull", districts("HU", 1, 9), "B81", "RWA", "RV9"},
	"E06000011": {"Beverley", append(districts("HU", 10, 20), "YO15", "YO16", "YO25", "YO42", "YO43", "DN14"), "B81", "RWA", "RV9"},
	"E06000012": {"Grimsby", append(districts("DN", 31, 37), "DN41"), "B81", "RJL", "RJL"},
	"E06000013": {"Scunthorpe", districts("DN", 15, 20), "B81", "RJL", "RJL"},
	"E06000014": {"York", []string{"YO1", "YO10", "YO23", "YO24", "YO26", "YO30", "YO31", "YO32"}, "B82", "RCB", "RCB"},
	"E07000163": {"Skipton", []string{"BD23", "BD24"}, "B82", "RCF", "TAD"},
	"E07000164": {"Northallerton", []string{"DL6", "DL7", "YO7", "YO61"}, "B82", "RCB", "RCB"},
	"E07000165": {"Harrogate", districts("HG", 1, 5), "B82", "RCD", "RCD"},
	"E07000166": {"Richmond", districts("DL", 8, 11), "B82", "RCB", "RCB"},
	"E07000167": {"Malton", []string{"YO17", "YO18", "YO60", "YO62"}, "B82", "RCB", "RCB"},
	"E07000168": {"Scarborough", []string{"YO11", "YO12", "YO13", "YO14", "YO21", "YO22"}, "B82", "RCB", "RCB"},
	"E07000169": {"Selby", []string{"YO8", "LS24"}, "B82", "RCB", "RCB"},
	"E07000171": {"Worksop", []string{"S80", "S81", "DN22"}, "C84", "RP5", "RHA"},
	"E08000016": {"Barnsley", districts("S", 70, 75), "C85", "RFF", "RXG"},
	"E08000017": {"Doncaster", districts("DN", 1, 12), "C86", "RP5", "RXE"},
	"E08000018": {"Rotherham", districts("S", 60, 66), "C87", "RFR", "RFR"},
	"E08000019": {"Sheffield", append(districts("S", 1, 14), "S17", "S20", "S35", "S36"), "C88", "RHQ", "RHQ"},
	"E08000032": {"Bradford", districts("BD", 1, 19), "B83", "RAE", "TAD"},
	"E08000033": {"Halifax", districts("HX", 1, 7), "B84", "RWY", "RWY"},
	"E08000034": {"Huddersfield", districts("HD", 1, 9), "B85", "RWY", "RXG"},
	"E08000035": {"Leeds", districts("LS", 1, 29), "B86", "RR8", "RY6"},
	"E08000036": {"Wakefield", districts("WF", 1, 11), "B87", "RXF", "RXF"},
}

// childrensAE is the A&E that under-16s of a place attend instead of the
// acute trust's: Sheffield Children's.
var childrensAE = map[string]string{"E08000019": "RCU"}

func districts(area string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, area+strconv.Itoa(i))
	}
	return out
}

// catchment is where the people of one LSOA live and go to hospital.
type catchment struct {
	town      string
	districts []string
	acute     string
	childAE   string // A&E trust for under-16s
}

// areaCatchment finds an LSOA's catchment. Two places are split between
// trusts: North Kirklees (Dewsbury, Batley: CCG 03J) uses Mid Yorkshire and
// the rest of Kirklees Calderdale and Huddersfield; the north of Bradford
// district (Keighley, Ilkley, Silsden — ONS numbers MSOAs north to south,
// so Bradford 001–017) uses Airedale.
func areaCatchment(a refdata.Area) (catchment, error) {
	p, ok := placeInfos[a.LAD]
	if !ok {
		return catchment{}, fmt.Errorf("no providers known for local authority %s (%s)", a.LAD, a.LADName)
	}
	c := catchment{town: p.town, districts: p.districts, acute: p.acute, childAE: p.acute}
	if t, ok := childrensAE[a.LAD]; ok {
		c.childAE = t
	}
	switch {
	case a.LAD == "E08000034" && a.CCGCode == "03J":
		c.town, c.districts, c.acute, c.childAE = "Dewsbury", districts("WF", 12, 17), "RXF", "RXF"
	case a.LAD == "E08000032" && msoaNumber(a.LSOAName) <= 17:
		c.town, c.districts, c.acute, c.childAE = "Keighley", []string{"BD20", "BD21", "BD22", "LS29"}, "RCF", "RCF"
	}
	return c, nil
}

// msoaNumber reads the MSOA number of an LSOA name such as "Bradford 012A".
func msoaNumber(lsoaName string) int {
	i := strings.LastIndexByte(lsoaName, ' ')
	if i < 0 || len(lsoaName)-i < 3 {
		return 0
	}
	n, err := strconv.Atoi(lsoaName[i+1 : len(lsoaName)-1])
	if err != nil {
		return 0
	}
	return n
}

// aeWinter is the amplitude of a winter peak laid over each trust's real
// monthly shape. The region's real type-1 attendances of 2016–2019 peak in
// early summer (January a day is about 6 % below July); carecast's demo is
// asked for a winter A&E peak as well, and a 6 % term gives January above
// July while keeping every month within 10 % of its real figure.
const aeWinter = 0.06

// aeCalibration holds, per A&E trust, the multiplier on the age-sex A&E
// rates and the seasonal factor of each calendar month, both derived from the
// trust's real monthly type-1 attendances (refdata.AEType1) and its
// catchment population, so that at scale 1 the synthetic region reproduces
// each trust's level and seasonal shape.
type aeCalibration struct {
	trusts []string
	index  map[string]int
	level  []float64     // multiplier on serviceRates' A&E rates
	season [][12]float64 // attendances a day in each calendar month ÷ the year's mean a day
	// monthly is the real mean attendances in each calendar month.
	monthly [][12]float64
}

// calibrateAE derives the calibration from the real figures, the model's
// A&E rates and the catchment population at scale 1.
func calibrateAE(w *world, rates *rateTable) (*aeCalibration, error) {
	months, err := refdata.AEType1()
	if err != nil {
		return nil, err
	}
	cal := &aeCalibration{index: map[string]int{}}
	var attendances, days [][12]float64
	for _, m := range months {
		i, ok := cal.index[m.Trust]
		if !ok {
			i = len(cal.trusts)
			cal.index[m.Trust] = i
			cal.trusts = append(cal.trusts, m.Trust)
			attendances = append(attendances, [12]float64{})
			days = append(days, [12]float64{})
		}
		mo := m.Month.Month() - 1
		attendances[i][mo] += float64(m.Attendances)
		days[i][mo] += float64(daysInMonth(m.Month))
	}
	// The expected attendances a year at the model's rates, before the
	// multiplier, of each trust's catchment.
	expected := make([]float64, len(cal.trusts))
	for _, pl := range w.places {
		for _, a := range pl.areas {
			c := a.catchment
			for _, row := range pl.population {
				for sex, n := range [2]float64{row.Male, row.Female} {
					trust := c.acute
					if row.Age < 16 {
						trust = c.childAE
					}
					i, ok := cal.index[trust]
					if !ok {
						return nil, fmt.Errorf("A&E trust %s serves %s but has no attendance figures", trust, pl.name)
					}
					expected[i] += n * a.share * rates[canonical.AEAttendance][sex][row.Age]
				}
			}
		}
	}
	cal.level = make([]float64, len(cal.trusts))
	cal.season = make([][12]float64, len(cal.trusts))
	cal.monthly = make([][12]float64, len(cal.trusts))
	for i := range cal.trusts {
		var total, totalDays float64
		for m := range 12 {
			total += attendances[i][m]
			totalDays += days[i][m]
		}
		if expected[i] == 0 || total == 0 {
			return nil, fmt.Errorf("A&E trust %s: no catchment population", cal.trusts[i])
		}
		perDay := total / totalDays
		cal.level[i] = perDay * 365.25 / expected[i]
		var norm float64
		for m := range 12 {
			if days[i][m] == 0 {
				return nil, fmt.Errorf("A&E trust %s: no figures for %s", cal.trusts[i], time.Month(m+1))
			}
			real := attendances[i][m] / days[i][m] / perDay
			cal.season[i][m] = real * (1 + aeWinter*math.Cos(2*math.Pi*float64(m)/12))
			norm += cal.season[i][m] * days[i][m] / totalDays
			cal.monthly[i][m] = attendances[i][m] / days[i][m] * float64(daysInMonth(time.Date(2019, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC)))
		}
		for m := range 12 {
			cal.season[i][m] /= norm
		}
	}
	return cal, nil
}

func daysInMonth(t time.Time) int {
	y, m, _ := t.Date()
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// otherProviders lists, for each acute trust, the trusts of the same STP a
// repeat diagnostic test may go to.
func otherProviders(acute string) []string {
	for _, group := range [][]string{
		{"RXF", "RWY", "RR8", "RAE", "RCF", "RCD"},
		{"RHQ", "RFF", "RFR", "RP5"},
		{"RWA", "RJL", "RCB"},
	} {
		if slices.Contains(group, acute) {
			return slices.DeleteFunc(slices.Clone(group), func(t string) bool { return t == acute })
		}
	}
	return nil
}
