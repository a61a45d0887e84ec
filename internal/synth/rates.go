package synth

import (
	"math"

	"github.com/yhcr/carecast/canonical"
)

// maxAge is the oldest age the model knows; older people take its rates.
const maxAge = 110

// numServices sizes arrays indexed by canonical.Service.
const numServices = int(canonical.DiagnosticTest) + 1

// bandRate is a service's yearly rate per person from age From up to the
// next band, for males and females.
type bandRate struct {
	From         int
	Male, Female float64
}

// serviceRates are events per person per year by age band and sex. Each
// rests on a published national volume divided by the England population
// (about 56 million), shaped by age and sex as the source's own age tables
// show; they aim at realistic magnitude, not at any one year's figure:
//   - A&E: NHS Digital, Hospital Accident and Emergency Activity 2019-20,
//     attendances per head by age (about 0.35 overall; high under 5, in young
//     adults and over 75). Only the shape matters: each trust's level is
//     calibrated to its real attendances (see trusts.go).
//   - emergency and elective admissions: NHS Digital, Hospital Admitted
//     Patient Care Activity 2019-20 (about 6.4 M emergency, 8.5 M elective
//     and day case admissions a year: 0.11 and 0.15 a head), steeply rising
//     with age.
//   - outpatient attendances: NHS Digital, Hospital Outpatient Activity
//     2019-20 (about 124 M attended appointments: 2.2 a head), maternity
//     raising women of 20–44.
//   - GP appointments: NHS Digital, Appointments in General Practice
//     2019 (about 300 M a year: 5.4 a head), higher in young children, women
//     and the old.
//   - community contacts: NHS Digital, Community Services Data Set 2019-20
//     (about 90 M contacts: 1.5 a head), health visiting under 5 and mostly
//     district nursing of the old.
//   - social care assessments: NHS Digital, Adult Social Care Activity and
//     Finance Report (SALT) 2019-20 (about 1.9 M requests, 0.03 a head
//     assessed), mostly 65 and over.
//   - diagnostic tests: NHS England, Diagnostic Imaging Dataset 2019-20
//     (about 44 M tests: 0.8 a head), rising with age.
var serviceRates = [numServices][]bandRate{
	canonical.AEAttendance: {
		{0, .50, .45}, {5, .25, .22}, {15, .38, .40}, {20, .40, .38}, {30, .30, .30},
		{45, .26, .25}, {65, .30, .29}, {75, .45, .45}, {85, .85, .80},
	},
	canonical.EmergencyAdmission: {
		{0, .13, .11}, {5, .03, .03}, {15, .04, .06}, {20, .04, .08}, {30, .06, .07},
		{45, .09, .08}, {65, .18, .16}, {75, .32, .29}, {85, .60, .55},
	},
	canonical.ElectiveAdmission: {
		{0, .03, .02}, {5, .03, .03}, {15, .05, .07}, {20, .05, .09}, {30, .08, .12},
		{45, .18, .20}, {65, .36, .33}, {75, .42, .36}, {85, .25, .20},
	},
	canonical.OutpatientAttendance: {
		{0, 1.2, 1.0}, {5, .8, .8}, {15, .8, 1.4}, {20, .8, 2.4}, {30, 1.2, 2.4},
		{45, 2.0, 2.5}, {65, 3.5, 3.3}, {75, 4.5, 4.2}, {85, 4.2, 3.8},
	},
	canonical.GPAppointment: {
		{0, 5.5, 5.2}, {5, 2.3, 2.4}, {15, 2.0, 4.0}, {20, 2.0, 5.5}, {30, 2.8, 5.5},
		{45, 4.0, 5.6}, {65, 6.8, 7.2}, {75, 9.0, 9.5}, {85, 11, 12},
	},
	canonical.CommunityContact: {
		{0, 2.0, 2.0}, {5, .4, .4}, {15, .3, .4}, {20, .3, .6}, {30, .4, .6},
		{45, .6, .7}, {65, 1.8, 2.0}, {75, 5.5, 6.5}, {85, 14, 16},
	},
	canonical.SocialCareAssessment: {
		{0, .003, .003}, {5, .003, .003}, {15, .005, .005}, {20, .008, .008}, {30, .01, .01},
		{45, .012, .012}, {65, .04, .045}, {75, .11, .13}, {85, .32, .36},
	},
	canonical.DiagnosticTest: {
		{0, .20, .18}, {5, .15, .15}, {15, .30, .40}, {20, .35, .70}, {30, .45, .75},
		{45, .85, .95}, {65, 1.5, 1.45}, {75, 2.0, 1.9}, {85, 2.0, 1.8},
	},
}

// rateTable is a yearly rate by service, sex (0 male, 1 female) and single
// year of age.
type rateTable [numServices][2][maxAge + 1]float64

func newRateTable() *rateTable {
	var t rateTable
	for s, bands := range serviceRates {
		for i, b := range bands {
			to := maxAge + 1
			if i+1 < len(bands) {
				to = bands[i+1].From
			}
			for age := b.From; age < to; age++ {
				t[s][0][age], t[s][1][age] = b.Male, b.Female
			}
		}
	}
	return &t
}

// sexIndex maps a person's sex to a rateTable row; people of indeterminate
// or unknown sex take female rates.
func sexIndex(s canonical.Sex) int {
	if s == canonical.Male {
		return 0
	}
	return 1
}

// deathRate is the probability of dying within a year at age, by sex,
// approximating ONS National Life Tables, England, 2017–2019: q0 about 0.4 %,
// very low in childhood, then Gompertz, fitted through q60 and q80 (males
// 0.85 % and 5.5 %, females 0.55 % and 4 %).
func deathRate(sex int, age int) float64 {
	switch {
	case age == 0:
		return [2]float64{.0042, .0035}[sex]
	case age < 15:
		return .0001
	case age < 30:
		return [2]float64{.0005, .00025}[sex]
	}
	x := float64(age)
	q := math.Exp(-10.38 + .0935*x)
	if sex == 1 {
		q = math.Exp(-11.14 + .099*x)
	}
	return min(q, .5)
}

// annualTrend is the slow growth of activity per person, about the 1–2 % a
// year of NHS activity before the pandemic beyond population change.
const annualTrend = .015

// The weekly pattern (Monday first) of each service, before normalising to a
// mean of one: A&E busiest on Mondays (NHS England A&E by day of week),
// emergency admissions highest early in the week and lowest at weekends,
// planned care, GP and social care on weekdays only, community nursing
// reduced at weekends.
var weekly = [numServices][7]float64{
	canonical.AEAttendance:         {1.12, 1.01, .98, .97, .98, .96, .98},
	canonical.EmergencyAdmission:   {1.08, 1.04, 1.02, 1.00, 1.02, .92, .92},
	canonical.ElectiveAdmission:    {1, 1, 1, 1, 1, 0, 0},
	canonical.OutpatientAttendance: {1, 1, 1, 1, 1, 0, 0},
	canonical.GPAppointment:        {1.1, 1, 1, 1, .95, 0, 0},
	canonical.CommunityContact:     {1, 1, 1, 1, 1, .45, .45},
	canonical.SocialCareAssessment: {1, 1, 1, 1, 1, 0, 0},
	canonical.DiagnosticTest:       {1, 1, 1, 1, 1, 0, 0},
}

// planned reports whether a service stops on bank holidays and dips between
// Christmas and New Year.
func planned(s canonical.Service) bool {
	switch s {
	case canonical.ElectiveAdmission, canonical.OutpatientAttendance, canonical.GPAppointment,
		canonical.SocialCareAssessment, canonical.DiagnosticTest, canonical.CommunityContact:
		return true
	}
	return false
}

// winter is the seasonal factor of services without trust-specific figures:
// emergency admissions peak in mid-January about 12 % above the year's mean
// (HES monthly admissions), GP appointments a little; the rest flat.
func winter(s canonical.Service, dayOfYear int) float64 {
	amp := 0.0
	switch s {
	case canonical.EmergencyAdmission:
		amp = .12
	case canonical.GPAppointment, canonical.CommunityContact:
		amp = .04
	}
	return 1 + amp*math.Cos(2*math.Pi*float64(dayOfYear-15)/365.25)
}
