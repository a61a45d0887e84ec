package reports

import (
	"bytes"
	"database/sql"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// keyMessageFixture is a place with four services: A&E, reliable and
// large; GP appointments with one suppressed month in the last year;
// emergency admissions whose model backtested badly; social care so small
// that every month is suppressed.
func keyMessageFixture() *report {
	d := &data{history: map[string][]point{}, forecasts: map[string][]forecastPoint{}, baseline: map[string]float64{},
		places: []place{{ICB: "S1", ICBName: "An ICB", LAD: "L1", LADName: "A place"}}}
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	add := func(svc string, value func(i int) int64, mean float64) {
		for _, level := range []string{"place/L1/", "icb/S1/"} {
			key := level + svc
			for i := range 36 {
				d.history[key] = append(d.history[key], point{Month: start.AddDate(0, i, 0), Events: value(i)})
			}
			for i := range 12 {
				d.forecasts[key] = append(d.forecasts[key], forecastPoint{Model: "combination", Period: start.AddDate(0, 36+i, 0),
					Mean: mean, Lo80: mean * 0.9, Hi80: mean * 1.1, Lo95: mean * 0.8, Hi95: mean * 1.2})
			}
		}
	}
	// A seasonal wave, so that the SPC charts have moving ranges.
	wave := func(base float64) func(int) int64 {
		return func(i int) int64 { return int64(base * (1 + 0.05*math.Sin(float64(i)*math.Pi/6))) }
	}
	add("ae_attendance", wave(1000), 1100)
	add("gp_appointment", func(i int) int64 {
		if i == 30 {
			return 3
		}
		return wave(2000)(i)
	}, 2400)
	add("emergency_admission", wave(800), 900)
	add("social_care_assessment", func(int) int64 { return 4 }, 5)
	for _, level := range []string{"place", "icb"} {
		d.accuracy = append(d.accuracy, accuracy{series: series{Level: level, ICB: "S1", LAD: map[string]string{"place": "L1", "icb": "all"}[level], Service: "emergency_admission"},
			Model: "combination", MASE: sql.NullFloat64{Float64: 2.1, Valid: true}})
	}
	d.addRegionSeries()
	return &report{d: d, opts: Options{SuppressMax: 7, RoundTo: 5}, dc: Disclosure{SuppressMax: 7, RoundTo: 5}}
}

// TestKeyMessages: three to six sentences, each with a link to its
// evidence; forecast sentences carry their 80 % range; and no suppressed
// or unreliable figure feeds a sentence.
func TestKeyMessages(t *testing.T) {
	r := keyMessageFixture()
	for _, sc := range []scope{{"place", "L1", "A place"}, {"icb", "S1", "An ICB"}, {"region", "", "Region"}} {
		t.Run(sc.level, func(t *testing.T) {
			sec := r.keyMessagesSection(sc)
			msgs := sec.Blocks[0].Messages
			if len(msgs) < minMessages || len(msgs) > maxMessages {
				t.Fatalf("%d key messages, want %d to %d: %v", len(msgs), minMessages, maxMessages, msgs)
			}
			forecast := 0
			for _, m := range msgs {
				if m.Href == "" || m.LinkText == "" {
					t.Errorf("%q: no evidence link", m.Text)
				}
				for _, bad := range []string{"GP appointments", "Emergency admissions", "Social care"} {
					if strings.Contains(m.Text, bad) {
						t.Errorf("%q uses a suppressed or unreliable figure (%s)", m.Text, bad)
					}
				}
				if strings.Contains(m.Text, "forecast to") {
					forecast++
					if !strings.Contains(m.Text, "80 % range") {
						t.Errorf("%q: no uncertainty", m.Text)
					}
				}
			}
			// A&E: +10 % (1,100 a month against about 1,000), range −1 % to +21 %.
			if forecast != 1 || !strings.Contains(msgs[0].Text+msgs[1].Text, "A&E attendances are forecast to rise 10 %") {
				t.Errorf("want the A&E forecast sentence alone among forecasts: %v", msgs)
			}
		})
	}
}

// TestScenarioKeyMessage: a run with planning scenarios has a key message
// from them on every page, with the scenario's 80 % range and a link to
// the scenarios section.
func TestScenarioKeyMessage(t *testing.T) {
	dir := scenarioReportDir(t)
	for _, page := range []string{"index.html", "icb-E54000050.html", "place-E08000030.html"} {
		b, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(b, []byte(`<ol class="key-messages">`))
		j := bytes.Index(b, []byte("</ol>"))
		if i < 0 || j < i {
			t.Fatalf("%s: no key messages", page)
		}
		msgs := string(b[i:j])
		if !strings.Contains(msgs, "Under the planning scenario") || !strings.Contains(msgs, `href="#scenarios"`) || !strings.Contains(msgs, "80 % range") {
			t.Errorf("%s: no scenario key message with its range and evidence:\n%s", page, msgs)
		}
	}
}
