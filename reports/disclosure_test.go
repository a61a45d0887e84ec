package reports

import "testing"

func TestDisclosureCount(t *testing.T) {
	d := Disclosure{SuppressMax: 7, RoundTo: 5}
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0"}, {1, "*"}, {7, "*"}, {8, "10"}, {12, "10"}, {13, "15"}, {15, "15"},
		{17, "15"}, {18, "20"}, {1234567, "1,234,565"}, {1234568, "1,234,570"},
	} {
		if got := d.Count(tc.n); got.Text != tc.want || got.Kind != Count {
			t.Errorf("Count(%d) = %q (kind %d), want %q", tc.n, got.Text, got.Kind, tc.want)
		}
	}
	// Configurable threshold and base.
	d = Disclosure{SuppressMax: 10, RoundTo: 10}
	for n, want := range map[int64]string{10: "*", 11: "10", 15: "20", 0: "0"} {
		if got := d.Count(n).Text; got != want {
			t.Errorf("SuppressMax 10, RoundTo 10: Count(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDisclosureTotal(t *testing.T) {
	d := Disclosure{SuppressMax: 7, RoundTo: 5}
	cells := func(ns ...int64) []Cell {
		var out []Cell
		for _, n := range ns {
			out = append(out, d.Count(n))
		}
		return out
	}
	for _, tc := range []struct {
		name string
		ns   []int64
		want string
	}{
		{"empty", nil, "0"},
		{"zeros", []int64{0, 0}, "0"},
		{"from rounded values", []int64{12, 12, 12}, "30"}, // not round(36) = 35
		{"suppressed add nothing", []int64{13, 3, 8}, "25"},
		{"only suppressed", []int64{3, 0, 5}, "*"},
		{"thousands", []int64{998, 1003}, "2,005"},
	} {
		if got := d.Total(cells(tc.ns...)); got.Text != tc.want {
			t.Errorf("%s: Total(%v) = %q, want %q", tc.name, tc.ns, got.Text, tc.want)
		}
	}
}

func TestDisclosureRate(t *testing.T) {
	d := Disclosure{SuppressMax: 7, RoundTo: 5}
	for _, tc := range []struct {
		num, den int64
		per      float64
		want     string
	}{
		{0, 100, 100, "0.0"},
		{1, 100, 100, "*"},
		{7, 100, 100, "*"},
		{8, 100, 100, "10.0"},    // from the rounded numerator, 10/100
		{12, 1000, 1000, "10.0"}, // 10/1000, not 12/1000
		{13, 40, 100, "37.5"},    // 15/40
		{20, 5, 100, "*"},        // a denominator of 1–7 is disclosive too
		{0, 0, 100, "–"},
		{10, 2, 100, "*"},
	} {
		got := d.Rate(tc.num, tc.den, tc.per)
		if got.Text != tc.want || got.Kind != Rate {
			t.Errorf("Rate(%d, %d, %g) = %q, want %q", tc.num, tc.den, tc.per, got.Text, tc.want)
		}
	}
	if got := d.RateOf(5, 0, 12.34, 1).Text; got != "*" {
		t.Errorf("RateOf of a suppressed numerator = %q, want *", got)
	}
	if got := d.RateOf(500, 0, 12.34, 1).Text; got != "12.3" {
		t.Errorf("RateOf(500, 0, 12.34) = %q, want 12.3", got)
	}
}

func TestModelledFigureExempt(t *testing.T) {
	// Modelled figures are neither suppressed nor rounded.
	for v, want := range map[float64]string{3: "3", 6.6: "7", 1234.4: "1,234"} {
		if got := ModelledFigure(v, 0); got.Text != want || got.Kind != Modelled {
			t.Errorf("ModelledFigure(%g) = %q, want %q", v, got.Text, want)
		}
	}
	if got := ModelledFigure(0.8123, 2).Text; got != "0.81" {
		t.Errorf("ModelledFigure(0.8123, 2) = %q", got)
	}
}

// FuzzDisclosure checks the rules for any count and configuration.
func FuzzDisclosure(f *testing.F) {
	f.Add(int64(0), 7, 5)
	f.Add(int64(8), 7, 5)
	f.Add(int64(12), 10, 10)
	f.Fuzz(func(t *testing.T, n int64, suppressMax, roundTo int) {
		if n < 0 || n > 1<<50 || suppressMax < 0 || suppressMax > 100 || roundTo < 1 || roundTo > 1000 {
			t.Skip()
		}
		d := Disclosure{SuppressMax: suppressMax, RoundTo: roundTo}
		c := d.Count(n)
		if n >= 1 && n <= int64(suppressMax) {
			if c.Text != Suppressed || c.Shown() {
				t.Fatalf("Count(%d) = %q, want suppressed", n, c.Text)
			}
			return
		}
		v := int64(c.Value)
		if v%int64(roundTo) != 0 || 2*abs(v-n) > int64(roundTo) {
			t.Fatalf("Count(%d) = %d: not %d rounded to %d", n, v, n, roundTo)
		}
		if got := d.Total([]Cell{c, c}); got.Value != 2*c.Value {
			t.Fatalf("Total of %v twice = %v", c.Value, got.Value)
		}
	})
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
