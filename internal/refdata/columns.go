package refdata

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
)

// packed is an embedded Parquet table read column by column. Reading whole
// columns straight from their pages, with each dictionary's strings made
// once, takes a few milliseconds for England's 33,755 LSOAs; parquet-go's
// row-by-row reconstruction of the same tables took ten times as long,
// which every run would pay at start-up.
type packed struct {
	name string
	f    *parquet.File
}

func openPacked(name string) (*packed, error) {
	b, err := files.ReadFile("data/" + name)
	if err != nil {
		return nil, fmt.Errorf("open embedded %s: %w", name, err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("open embedded %s: %w", name, err)
	}
	return &packed{name: name, f: f}, nil
}

// rows is the number of rows of the table.
func (p *packed) rows() int { return int(p.f.NumRows()) }

// pages calls fn with every page of a column, in order.
func (p *packed) pages(col string, fn func(parquet.Page) error) error {
	leaf, ok := p.f.Schema().Lookup(col)
	if !ok {
		return fmt.Errorf("embedded %s: no column %s", p.name, col)
	}
	for _, rg := range p.f.RowGroups() {
		pages := rg.ColumnChunks()[leaf.ColumnIndex].Pages()
		for {
			pg, err := pages.ReadPage()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				pages.Close()
				return fmt.Errorf("embedded %s column %s: %w", p.name, col, err)
			}
			if pg.NumNulls() > 0 {
				pages.Close()
				return fmt.Errorf("embedded %s column %s: unexpected nulls", p.name, col)
			}
			err = fn(pg)
			parquet.Release(pg)
			if err != nil {
				pages.Close()
				return err
			}
		}
		if err := pages.Close(); err != nil {
			return fmt.Errorf("embedded %s column %s: %w", p.name, col, err)
		}
	}
	return nil
}

// strings reads a BYTE_ARRAY column, plain or dictionary-encoded. Plain
// values share one allocation; a dictionary's values are made once.
func (p *packed) strings(col string) ([]string, error) {
	out := make([]string, 0, p.rows())
	var dict parquet.Dictionary
	var words []string
	err := p.pages(col, func(pg parquet.Page) error {
		if d := pg.Dictionary(); d != nil {
			if d != dict {
				dict = d
				data := d.Page().Data()
				words = splitBytes(data.ByteArray())
			}
			idx := pg.Data()
			for _, i := range idx.Int32() {
				if int(i) >= len(words) || i < 0 {
					return fmt.Errorf("embedded %s column %s: dictionary index %d of %d", p.name, col, i, len(words))
				}
				out = append(out, words[i])
			}
			return nil
		}
		data := pg.Data()
		out = append(out, splitBytes(data.ByteArray())...)
		return nil
	})
	return out, err
}

// splitBytes turns parquet-go's concatenated byte arrays into strings that
// share one copy of the bytes.
func splitBytes(data []byte, offsets []uint32) []string {
	if len(offsets) == 0 {
		return nil
	}
	all := string(data)
	out := make([]string, len(offsets)-1)
	for i := range out {
		out[i] = all[offsets[i]:offsets[i+1]]
	}
	return out
}

// int32s reads an INT32 column (int8 and int32 fields, dates).
func (p *packed) int32s(col string) ([]int32, error) {
	out := make([]int32, 0, p.rows())
	err := p.pages(col, func(pg parquet.Page) error {
		if pg.Dictionary() != nil {
			return fmt.Errorf("embedded %s column %s: dictionary-encoded numbers", p.name, col)
		}
		data := pg.Data()
		out = append(out, data.Int32()...)
		return nil
	})
	return out, err
}

// float32s reads a FLOAT column.
func (p *packed) float32s(col string) ([]float32, error) {
	out := make([]float32, 0, p.rows())
	err := p.pages(col, func(pg parquet.Page) error {
		if pg.Dictionary() != nil {
			return fmt.Errorf("embedded %s column %s: dictionary-encoded numbers", p.name, col)
		}
		data := pg.Data()
		out = append(out, data.Float()...)
		return nil
	})
	return out, err
}

// columns reads several columns of one table, joining their errors and
// checking that they have the same length.
type columns struct {
	p   *packed
	err error
}

func (c *columns) s(col string) []string {
	v, err := c.p.strings(col)
	c.check(len(v), err)
	return v
}

func (c *columns) i(col string) []int32 {
	v, err := c.p.int32s(col)
	c.check(len(v), err)
	return v
}

func (c *columns) f(col string) []float32 {
	v, err := c.p.float32s(col)
	c.check(len(v), err)
	return v
}

func (c *columns) check(n int, err error) {
	if err == nil && n != c.p.rows() {
		err = fmt.Errorf("embedded %s: a column has %d values of %d rows", c.p.name, n, c.p.rows())
	}
	c.err = errors.Join(c.err, err)
}

// readColumns opens an embedded table and calls fill with its columns.
func readColumns(name string, fill func(c *columns)) error {
	p, err := openPacked(name)
	if err != nil {
		return err
	}
	c := &columns{p: p}
	fill(c)
	return c.err
}

// The readers of each packed table (tables.go), column by column.

func readLSOAs() (rows []LSOARow, err error) {
	err = readColumns("lsoa21.parquet", func(c *columns) {
		l, s, lad, d, imd := c.s("lsoa21cd"), c.s("sicbl24cd"), c.s("lad24cd"), c.s("lad22cd"), c.i("imd25_decile")
		if c.err != nil {
			return
		}
		rows = make([]LSOARow, len(l))
		for i := range rows {
			rows[i] = LSOARow{LSOA: l[i], SubICB: s[i], LAD: lad[i], District: d[i], IMDDecile: int8(imd[i])}
		}
	})
	return rows, err
}

func readNames() (rows []NameRow, err error) {
	err = readColumns("names.parquet", func(c *columns) {
		k, code, ods, name, parent := c.s("kind"), c.s("code"), c.s("ods"), c.s("name"), c.s("parent")
		if c.err != nil {
			return
		}
		rows = make([]NameRow, len(k))
		for i := range rows {
			rows[i] = NameRow{Kind: k[i], Code: code[i], ODS: ods[i], Name: name[i], Parent: parent[i]}
		}
	})
	return rows, err
}

func readLSOAChanges() (rows []LSOAChangeRow, err error) {
	err = readColumns("lsoa11_changes.parquet", func(c *columns) {
		a, b, ch := c.s("lsoa11cd"), c.s("lsoa21cd"), c.s("chgind")
		if c.err != nil {
			return
		}
		rows = make([]LSOAChangeRow, len(a))
		for i := range rows {
			rows[i] = LSOAChangeRow{LSOA11: a[i], LSOA21: b[i], Change: ch[i]}
		}
	})
	return rows, err
}

func readPopulation() (rows []PopulationRowPacked, err error) {
	err = readColumns("population.parquet", func(c *columns) {
		d, age, m, f, p := c.s("lad22cd"), c.i("age"), c.i("male_2011"), c.i("female_2011"), c.i("persons_2020")
		if c.err != nil {
			return
		}
		rows = make([]PopulationRowPacked, len(d))
		for i := range rows {
			rows[i] = PopulationRowPacked{District: d[i], Age: int8(age[i]), Male2011: m[i], Female2011: f[i], Persons20: p[i]}
		}
	})
	return rows, err
}

func readLSOAPopulation() (rows []LSOAPopulationRow, err error) {
	err = readColumns("lsoa11_population2020.parquet", func(c *columns) {
		l, b, p := c.s("lsoa11cd"), c.i("age_band"), c.i("persons")
		if c.err != nil {
			return
		}
		rows = make([]LSOAPopulationRow, len(l))
		for i := range rows {
			rows[i] = LSOAPopulationRow{LSOA11: l[i], Band: int8(b[i]), Persons: p[i]}
		}
	})
	return rows, err
}

func readTrusts() (rows []TrustRow, err error) {
	err = readColumns("trusts.parquet", func(c *columns) {
		t, n, k := c.s("trust"), c.s("name"), c.s("kind")
		if c.err != nil {
			return
		}
		rows = make([]TrustRow, len(t))
		for i := range rows {
			rows[i] = TrustRow{Trust: t[i], Name: n[i], Kind: k[i]}
		}
	})
	return rows, err
}

func readCatchment() (rows []CatchmentRow, err error) {
	err = readColumns("trust_catchment.parquet", func(c *columns) {
		t, d, to, from := c.s("trust"), c.s("lad22cd"), c.f("share_of_district"), c.f("share_of_trust")
		if c.err != nil {
			return
		}
		rows = make([]CatchmentRow, len(t))
		for i := range rows {
			rows[i] = CatchmentRow{Trust: t[i], District: d[i], ToTrust: to[i], FromArea: from[i]}
		}
	})
	return rows, err
}

func readAE() (rows []AERow, err error) {
	err = readColumns("ae_type1.parquet", func(c *columns) {
		o, m, a := c.s("org"), c.i("month"), c.i("attendances")
		if c.err != nil {
			return
		}
		rows = make([]AERow, len(o))
		for i := range rows {
			rows[i] = AERow{Org: o[i], Month: m[i], Attendances: a[i]}
		}
	})
	return rows, err
}
