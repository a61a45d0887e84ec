package refdata

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// readTable reads an embedded packed table.
func readTable[T any](name string) ([]T, error) {
	b, err := files.ReadFile("data/" + name)
	if err != nil {
		return nil, fmt.Errorf("open embedded %s: %w", name, err)
	}
	rows, err := parquet.Read[T](bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("read embedded %s: %w", name, err)
	}
	return rows, nil
}

// TestColumnReaders reads every packed table with parquet-go's row reader
// and with the column readers, which must agree row for row.
func TestColumnReaders(t *testing.T) {
	check := func(name string, fast, slow any, err1, err2 error) {
		t.Run(name, func(t *testing.T) {
			if err1 != nil || err2 != nil {
				t.Fatalf("column reader: %v; row reader: %v", err1, err2)
			}
			if reflect.ValueOf(fast).Len() == 0 || !reflect.DeepEqual(fast, slow) {
				t.Errorf("readers disagree (%d and %d rows)", reflect.ValueOf(fast).Len(), reflect.ValueOf(slow).Len())
			}
		})
	}
	a1, e1 := readLSOAs()
	a2, e2 := readTable[LSOARow]("lsoa21.parquet")
	check("lsoa21", a1, a2, e1, e2)
	b1, e1 := readNames()
	b2, e2 := readTable[NameRow]("names.parquet")
	check("names", b1, b2, e1, e2)
	c1, e1 := readLSOAChanges()
	c2, e2 := readTable[LSOAChangeRow]("lsoa11_changes.parquet")
	check("lsoa11_changes", c1, c2, e1, e2)
	d1, e1 := readPopulation()
	d2, e2 := readTable[PopulationRowPacked]("population.parquet")
	check("population", d1, d2, e1, e2)
	f1, e1 := readLSOAPopulation()
	f2, e2 := readTable[LSOAPopulationRow]("lsoa11_population2020.parquet")
	check("lsoa11_population2020", f1, f2, e1, e2)
	g1, e1 := readTrusts()
	g2, e2 := readTable[TrustRow]("trusts.parquet")
	check("trusts", g1, g2, e1, e2)
	h1, e1 := readCatchment()
	h2, e2 := readTable[CatchmentRow]("trust_catchment.parquet")
	check("trust_catchment", h1, h2, e1, e2)
	i1, e1 := readAE()
	i2, e2 := readTable[AERow]("ae_type1.parquet")
	check("ae_type1", i1, i2, e1, e2)
	if _, err := openPacked("nothing.parquet"); err == nil {
		t.Error("a missing table opened")
	}
}
