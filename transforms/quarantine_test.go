package transforms

import (
	"errors"
	"strings"
	"testing"
)

func TestQuarantine(t *testing.T) {
	places := map[string]string{"9990000018": "E08000035"}
	q := NewQuarantine(func(key string) string { return places[key] })
	for range 100 {
		q.Read("acute", EntityEvent)
	}
	q.Read("gp", EntityPerson)
	rejections := []struct {
		r   Rejection
		key string
	}{
		{Rejection{Feed: "acute", File: "a.csv", Record: 2, Entity: EntityEvent, Reason: BadDate, Field: "event_date"}, "9990000018"},
		{Rejection{Feed: "acute", File: "a.csv", Record: 3, Entity: EntityEvent, Reason: BadDate, Field: "event_date"}, "9990000026"},
		{Rejection{Feed: "acute", File: "a.csv", Record: 4, Entity: EntityEvent, Reason: UnknownPerson, Field: "nhs_number"}, ""},
		{Rejection{Feed: "acute", File: "a.csv", Record: 5, Entity: EntityEvent, Reason: DuplicateRecord, Field: "record_id"}, "9990000018"},
		{Rejection{Feed: "acute", File: "a.csv", Record: 6, Entity: EntityEvent, Reason: WrongFieldCount}, ""},
	}
	for _, r := range rejections {
		q.Reject(r.r, r.key)
	}
	got := q.Rejections()
	if len(got) != len(rejections) || got[0].LAD != "E08000035" || got[1].LAD != "unknown" {
		t.Fatalf("rejections %+v", got)
	}
	want := []Count{
		{"acute", EntityEvent, BadDate, "E08000035", 1},
		{"acute", EntityEvent, BadDate, "unknown", 1},
		{"acute", EntityEvent, DuplicateRecord, "E08000035", 1},
		{"acute", EntityEvent, UnknownPerson, "unknown", 1},
		{"acute", EntityEvent, WrongFieldCount, "unknown", 1},
	}
	counts := q.Counts()
	if len(counts) != len(want) {
		t.Fatalf("counts %+v", counts)
	}
	for i := range want {
		if counts[i] != want[i] {
			t.Errorf("count %d = %+v, want %+v", i, counts[i], want[i])
		}
	}
	if n := q.ReadCount("acute", ""); n != 100 {
		t.Errorf("read %d", n)
	}

	tests := []struct {
		feed string
		max  float64
		fail bool
	}{
		{"acute", 0.05, false}, // 5 of 100 is not more than 5 %
		{"acute", 0.04, true},
		{"gp", 0, false},
		{"absent", 0, false},
	}
	for _, tt := range tests {
		err := q.Check(tt.feed, tt.max)
		if (err != nil) != tt.fail {
			t.Errorf("Check(%s, %v) = %v", tt.feed, tt.max, err)
		}
		if err != nil {
			if !errors.Is(err, ErrTooManyRejected) {
				t.Errorf("%v is not ErrTooManyRejected", err)
			}
			for _, s := range []string{"acute", "5 of 100", "bad_date 2", "duplicate_record 1", "unknown_person 1"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%q lacks %q", err, s)
				}
			}
			if strings.Contains(err.Error(), "wrong_field_count") {
				t.Errorf("%q names more than three reasons", err)
			}
		}
	}
}

func TestIDSet(t *testing.T) {
	s := NewIDSet()
	for i := range 10000 {
		if !s.Add("id" + string(rune('a'+i%26)) + string(rune(i))) {
			t.Fatalf("id %d reported as seen", i)
		}
	}
	for i := range 10000 {
		if s.Add("id" + string(rune('a'+i%26)) + string(rune(i))) {
			t.Fatalf("id %d not remembered", i)
		}
	}
	if s.Len() != 10000 {
		t.Errorf("len %d", s.Len())
	}
}

func TestCheckDate(t *testing.T) {
	o := Options{Today: 19000} // 2022-01-08
	tests := []struct {
		in   string
		want Reason
		min  int16
	}{
		{"2021-12-31", "", -1},
		{"2021-12-31T23:05:00Z", "", 1385},
		{"1989-10-04T02:25:16-04:00", "", 145},
		{"2022-02-30", BadDate, -1},
		{"2022-01-09", FutureDate, -1},
		{"1899-12-31", ImplausibleDate, -1},
		{"", MissingField, -1},
		{"2021-12-31 10:00", BadDate, -1},
		{"2021-12-31Tzz", "", -1},
	}
	for _, tt := range tests {
		_, m, r := o.CheckDateTime(tt.in)
		if r != tt.want || m != tt.min {
			t.Errorf("CheckDateTime(%q) = %d, %q; want %d, %q", tt.in, m, r, tt.min, tt.want)
		}
	}
}

func TestIsGPPractice(t *testing.T) {
	for code, want := range map[string]bool{"B86001": true, "RR8": false, "RR801": false, "b86001": false, "B8600X": false} {
		if IsGPPractice(code) != want {
			t.Errorf("IsGPPractice(%s) != %v", code, want)
		}
	}
}

func BenchmarkIDSet(b *testing.B) {
	s := NewIDSet()
	ids := make([]string, 1<<16)
	for i := range ids {
		ids[i] = "record-" + string(rune(i))
	}
	for i := 0; b.Loop(); i++ {
		s.Add(ids[i&(len(ids)-1)])
	}
}
