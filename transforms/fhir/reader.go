// Package fhir reads and writes FHIR R4 feeds: Bulk Data export folders
// (one NDJSON file per resource type) and folders of JSON files, each a
// Bundle (of any type, nested Bundles too) or a single resource. The
// mapping to the canonical model is documented in docs/feeds.md.
//
// Each resource type carecast reads is decoded into its own shape, reading
// only the elements it maps (decode.go); resources of other types are
// skipped and counted. Files are decoded on every CPU at once (scan.go):
// NDJSON in chunks of lines, JSON files one per worker, each Bundle
// streamed entry by entry.
package fhir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/yhcr/carecast/transforms"
)

// readTypes are the resource types carecast reads. A Bulk Data export's
// files are read in this order (DiagnosticReport before Observation, so
// that a report and its results count as one test), then the files of
// other types, which are only counted.
var readTypes = []string{"Patient", "Organization", "Encounter", "Procedure", "DiagnosticReport",
	"Observation", "Condition", "Flag"}

// Feed reads a FHIR R4 feed folder. It implements transforms.Feed. Its
// passes run one at a time: the persons pass builds the Patient → key map
// the other passes resolve references with.
type Feed struct {
	name    string
	dir     string
	opts    transforms.Options
	files   []input // every input file, in reading order
	json    bool    // the folder holds JSON files (Bundles or resources), not a bulk export
	workers int
	// chunkSize is the size of the units NDJSON is read in (chunkSize;
	// tests make it tiny, so that lines cross chunks).
	chunkSize int

	// patients maps how a Patient is referred to — "Patient/<id>", and
	// its Bundle entry's fullUrl — to its person key, for every Patient
	// whose identifier gave one, rejected or not (so that an objection
	// naming a rejected Patient still excludes them). Built by the persons
	// pass (or loadPatients); only read afterwards, by every worker.
	patients *transforms.PersonRefs
	// orgs maps how an Organization with an ODS code is referred to —
	// "Organization/<id>", its fullUrl, "<system>|<value>" of its other
	// identifiers — to that code. Built by loadOrganizations.
	orgs map[string]string
}

// input is one file of the feed.
type input struct {
	path string
	kind string // the resource type of an NDJSON file; "" for a JSON file
}

// Open finds what dir holds: a Bulk Data export (a Patient NDJSON file) or
// JSON files (*.json). It checks that the files start as JSON objects;
// errors wrap transforms.ErrNotFeed and name the file.
func Open(name, dir string, opts transforms.Options) (*Feed, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("fhir feed: %w", err)
	}
	opts.Feed = name
	f := &Feed{name: name, dir: dir, opts: opts, workers: max(1, runtime.GOMAXPROCS(0)), chunkSize: chunkSize}
	var bulk, jsons []input
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if base, ok := transforms.TrimExt(e.Name(), ".ndjson"); ok {
			kind, _, _ := strings.Cut(base, ".")
			bulk = append(bulk, input{path: path, kind: kind})
		} else if _, ok := transforms.TrimExt(e.Name(), ".json"); ok {
			jsons = append(jsons, input{path: path})
		}
	}
	order := func(kind string) int {
		if i := slices.Index(readTypes, kind); i >= 0 {
			return i
		}
		return len(readTypes)
	}
	slices.SortStableFunc(bulk, func(a, b input) int { return order(a.kind) - order(b.kind) })
	switch {
	case slices.ContainsFunc(bulk, func(in input) bool { return in.kind == "Patient" }):
		f.files = bulk
		for _, in := range bulk {
			if in.kind == "Patient" {
				if err := startsObject(in.path); err != nil {
					return nil, err
				}
			}
		}
	case len(jsons) > 0:
		f.files, f.json = jsons, true
		if err := startsObject(jsons[0].path); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("fhir feed %s: no Patient NDJSON file and no JSON files: %w", dir, transforms.ErrNotFeed)
	}
	return f, nil
}

// startsObject checks that a file's first non-space byte opens a JSON
// object, as NDJSON lines and Bundles do.
func startsObject(path string) error {
	in, err := transforms.OpenFile(path)
	if err != nil {
		return err
	}
	defer in.Close()
	for {
		c, err := in.ReadByte()
		if errors.Is(err, io.EOF) {
			return nil // an empty export file is valid
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return nil
		}
		return fmt.Errorf("read %s: not JSON: %w", path, transforms.ErrNotFeed)
	}
}

// Name returns the feed's configured name.
func (f *Feed) Name() string { return f.name }

// Files lists the files the feed reads, those of resource types it only
// counts included.
func (f *Feed) Files() ([]string, error) {
	out := make([]string, len(f.files))
	for i, in := range f.files {
		out[i] = in.path
	}
	return out, nil
}

// reject records a rejection of r.
func (f *Feed) reject(q *transforms.Quarantine, file int, index int64, entity string, r transforms.Reason, field, key string) {
	q.Reject(transforms.Rejection{Feed: f.name, File: f.files[file].path, Record: index, Entity: entity, Reason: r, Field: field}, key)
}

// loadOrganizations reads the ODS codes of the feed's Organizations, for
// the references to them that carry no ODS identifier of their own.
func (f *Feed) loadOrganizations(ctx context.Context) error {
	if f.orgs != nil {
		return nil
	}
	f.orgs = map[string]string{}
	type org struct {
		ods  string
		keys []string
	}
	return scan(ctx, f, &pass[org]{
		wants: func(kind string) bool { return kind == "Organization" },
		decode: func(d *decoder, r *resource, out *[]org) {
			if r.bad != "" {
				return // counted by the events pass
			}
			var o organization
			if bad, _ := d.organization(r.data, &o); bad != "" || o.ods == nil || !transforms.IsODSCode(view(o.ods)) {
				return // an Organization without an ODS code (of its shape) gives none
			}
			x := org{ods: d.keep(o.ods)}
			if len(o.id) > 0 {
				x.keys = append(x.keys, "Organization/"+string(o.id))
			}
			if k := fullURLKey(r.fullURL); k != "" {
				x.keys = append(x.keys, k)
			}
			for _, id := range o.ids {
				x.keys = append(x.keys, string(id[0])+"|"+string(id[1]))
			}
			*out = append(*out, x)
		},
		consume: each(func(x *org) error {
			for _, k := range x.keys {
				f.orgs[k] = x.ods
			}
			return nil
		}),
	})
}

// organisation returns the provider code a reference to an organisation
// names: its ODS identifier; a contained Organization's; or that of the
// Organization it refers to, by id, fullUrl or identifier; failing those,
// the id or identifier of the Organization a reference names, when it is a
// UUID (as Synthea's are, and as the Synthea CSV reader passes them).
// Anything else — a Practitioner, the patient, a search by name, a logical
// reference by another identifier, an id of any other shape — names no
// provider: it may be free text or someone's identifier. bad is
// BadValue when the reference gives an ODS code that is not one. The code
// may point into the resource: the caller keeps what it keeps.
func (f *Feed) organisation(d *decoder, r *reference) (code string, bad transforms.Reason) {
	if len(r.value) > 0 && isODSSystem(view(r.system)) {
		return odsCode(view(r.value))
	}
	if len(r.ref) == 0 {
		return "", "" // a logical reference by another identifier: it may be anyone's
	}
	if isContained(r.ref) {
		return odsCode(view(d.containedODS(view(r.ref))))
	}
	p := parseRef(view(r.ref))
	switch {
	case p.value != "":
		if p.kind != "Organization" {
			return "", ""
		}
		if isODSSystem(p.system) {
			return odsCode(p.value)
		}
		if ods := lookup(f.orgs, p.system, "|", p.value); ods != "" {
			return ods, ""
		}
		return uuid(p.value), ""
	case p.kind == "":
		return f.orgs[p.id], ""
	case p.kind == "Organization":
		if ods := lookup(f.orgs, "Organization", "/", p.id); ods != "" {
			return ods, ""
		}
		return uuid(p.id), ""
	}
	return "", ""
}

// odsCode returns v when it has the shape of an ODS code, else BadValue.
func odsCode(v string) (string, transforms.Reason) {
	if bad := transforms.CheckShape(v, transforms.IsODSCode); bad != "" {
		return "", bad
	}
	return v, ""
}

// uuid returns v when it is a UUID, else "".
func uuid(v string) string {
	if transforms.CheckShape(v, transforms.IsUUID) != "" {
		return ""
	}
	return v
}

// lookup finds a+sep+b in m without building the string.
func lookup(m map[string]string, a, sep, b string) string {
	var buf [256]byte
	k := append(append(append(buf[:0], a...), sep...), b...)
	return m[string(k)]
}
