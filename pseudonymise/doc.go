// Package pseudonymise applies opt-outs, keys pseudonyms and generalises
// dates and places: the only stage that sees identifiers and the last one
// that may. Rules 1–3 of the design (docs and ../shared/design/carecast.md).
//
// The order is fixed and fails closed: LoadOptOuts reads every configured
// list (an unusable list is ErrOptOutList, and the run must stop before any
// output); People collects everyone the feeds describe; AddObjection records
// GP Type 1 codes; ApplyOptOuts marks who is excluded (nobody is kept
// without it); Rows pseudonymises the people kept, and Event then turns each
// event into an ActivityRow, or says why it is dropped.
//
// A pseudonym is the first 16 bytes of HMAC-SHA256(key, person key), the
// person key being the 10-digit NHS number or "<system>|<value>". The key
// comes from LoadKey and is identified in outputs only by Key.ID. DemoKey is
// published on purpose so that demo runs can be reproduced: it protects
// nothing, so the pipeline must accept it (Key.Demo) only for the embedded
// synthetic region and mark everything made with it DEMO. LoadKey recognises
// the demo key's bytes from any source, so it cannot be slipped in as a
// real key.
package pseudonymise
