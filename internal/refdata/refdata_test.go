package refdata

import (
	"math"
	"testing"
)

func TestYorkshireHumber(t *testing.T) {
	g, err := YorkshireHumber()
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Areas) != 3384 {
		t.Errorf("areas = %d, want 3384", len(g.Areas))
	}
	if len(g.Places) != 22 {
		t.Errorf("places = %d, want 22", len(g.Places))
	}
	k, ok := g.PlaceByLAD("E08000034")
	if !ok || k.LADName != "Kirklees" || k.STPCode != "QWO" {
		t.Fatalf("Kirklees = %+v, %v", k, ok)
	}
	if k.Population2020 != 441290 {
		t.Errorf("Kirklees population = %d, want 441290", k.Population2020)
	}
	for _, a := range g.Areas[k.LSOAFirst:k.LSOAEnd] {
		if a.LAD != k.LAD {
			t.Fatalf("LSOA %s of %s inside Kirklees range", a.LSOA, a.LAD)
		}
	}
}

func TestPopulation2020SexSplit(t *testing.T) {
	rows, err := Population2020()
	if err != nil {
		t.Fatal(err)
	}
	var total, male float64
	for _, r := range rows {
		total += r.Male + r.Female
		male += r.Male
		if r.Age > 90 || r.Male < 0 || r.Female < 0 {
			t.Fatalf("bad row %+v", r)
		}
	}
	if share := male / total; math.Abs(share-0.49) > 0.01 {
		t.Errorf("male share = %.3f, want about 0.49", share)
	}
}

func TestOtherTables(t *testing.T) {
	rates, err := OptOutRates()
	if err != nil || len(rates) < 100 {
		t.Fatalf("opt-out rates: %d, %v", len(rates), err)
	}
	ae, err := AEType1()
	if err != nil || len(ae) < 400 {
		t.Fatalf("A&E: %d, %v", len(ae), err)
	}
	lsoa, err := LSOAPopulation2020()
	if err != nil || len(lsoa) != 3384 {
		t.Fatalf("LSOA population: %d, %v", len(lsoa), err)
	}
}
