package refdata

// The rows of the packed reference tables in data/*.parquet, written by
// `go run ./internal/refdata/pack` from the public sources SOURCES.md cites
// and read back by this package. Codes repeated across rows are
// dictionary-encoded; everything is zstd-compressed.

// LSOARow is one English LSOA (2021) with the sub-ICB location, local
// authority (2024, the place) and local authority district (2022, the
// geography of the mid-2020 population estimates) it lies in, and its
// IMD 2025 decile.
type LSOARow struct {
	LSOA      string `parquet:"lsoa21cd"`
	SubICB    string `parquet:"sicbl24cd,dict"`
	LAD       string `parquet:"lad24cd,dict"`
	District  string `parquet:"lad22cd,dict"`
	IMDDecile int8   `parquet:"imd25_decile"`
}

// NameRow names one area code: an ICB, a sub-ICB location, a local
// authority (2024) or a district (2022). Parent is a sub-ICB location's ICB.
type NameRow struct {
	Kind   string `parquet:"kind,dict"` // icb, sicbl, lad24, lad22
	Code   string `parquet:"code"`      // ONS code (E54…, E38…, E06…)
	ODS    string `parquet:"ods"`       // NHS code of ICBs and sub-ICBs (QWO, 02P)
	Name   string `parquet:"name"`
	Parent string `parquet:"parent,dict"`
}

// LSOAChangeRow maps an LSOA (2011) that changed to an LSOA (2021) of the
// ONS best-fit lookup; unchanged LSOAs keep their code and are not listed.
// A split LSOA has a row for each of its parts.
type LSOAChangeRow struct {
	LSOA11 string `parquet:"lsoa11cd"`
	LSOA21 string `parquet:"lsoa21cd"`
	Change string `parquet:"chgind,dict"` // S split, M merged, X irregular
}

// PopulationRowPacked is the population of one district (LAD 2022) at one
// single year of age (90 = 90 and over): mid-2011 by sex, mid-2020 persons.
type PopulationRowPacked struct {
	District   string `parquet:"lad22cd,dict"`
	Age        int8   `parquet:"age"`
	Male2011   int32  `parquet:"male_2011,delta"`
	Female2011 int32  `parquet:"female_2011,delta"`
	Persons20  int32  `parquet:"persons_2020,delta"`
}

// LSOAPopulationRow is the mid-2020 population of one LSOA (2011) in one
// five-year age band (0 = 0–4 … 18 = 90+), persons.
type LSOAPopulationRow struct {
	LSOA11  string `parquet:"lsoa11cd,dict"`
	Band    int8   `parquet:"age_band"`
	Persons int32  `parquet:"persons,delta"`
}

// TrustRow is one NHS acute trust (ODS code, 2022) of the catchment table.
type TrustRow struct {
	Trust string `parquet:"trust"`
	Name  string `parquet:"name"`
	// Kind is "acute" (a general acute trust with a type 1 A&E),
	// "children" (a children's trust with a type 1 A&E) or "specialist".
	Kind string `parquet:"kind,dict"`
}

// CatchmentRow is one trust's share of a district's admitted patients and
// the district's share of the trust's: OHID's acute trust catchment
// populations, by district.
type CatchmentRow struct {
	Trust    string  `parquet:"trust,dict"`
	District string  `parquet:"lad22cd,dict"`
	ToTrust  float32 `parquet:"share_of_district"` // of the district's patients, the share this trust admits
	FromArea float32 `parquet:"share_of_trust"`    // of the trust's patients, the share from this district
}

// AERow is one month of type 1 A&E attendances of a trust, or of England
// (Org "E92000001").
type AERow struct {
	Org         string `parquet:"org,dict"`
	Month       int32  `parquet:"month,date"` // first day, days since 1970-01-01
	Attendances int32  `parquet:"attendances"`
}
