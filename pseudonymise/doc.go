// Package pseudonymise applies opt-outs, keys pseudonyms and generalises
// dates and places: the only stage that sees identifiers and the last one
// that may. Rules 1–3 of the design (docs and ../shared/design/carecast.md).
package pseudonymise
