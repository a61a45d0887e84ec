package fhir

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/yhcr/carecast/transforms"
	"github.com/yhcr/carecast/transforms/internal/jsonscan"
)

// resource is one resource as found: an NDJSON line or a Bundle entry (or
// a JSON file holding one resource).
type resource struct {
	file    int    // index in Feed.files
	index   int64  // line number, or entry index in the file (from 1, nested Bundles' entries counted in order)
	kind    string // resourceType: from the NDJSON file's name, else from the resource; "" if unknown
	fullURL []byte // the Bundle entry's fullUrl
	data    []byte // the resource's JSON, valid while it is decoded
	// bad is set when the resource cannot be decoded at all: bad_encoding,
	// or malformed_record for JSON that is broken.
	bad transforms.Reason
}

// A pass reads the resources of some types: each is decoded into outcomes
// of type T on a worker goroutine, and the outcomes are consumed in the
// order of the input on the goroutine that runs the pass. Decoding needs
// only what is read-only during the pass (options, the Patient and
// Organization maps); consuming does what needs the pass's state (ids seen,
// the quarantine, the callback).
type pass[T any] struct {
	wants func(kind string) bool
	// ignored, when set, makes an outcome counting n resources of a type
	// carecast does not read (the pass that counts them sets it).
	ignored func(kind string, n int64) T
	// decode is called for each resource of a type wanted, and for every
	// resource that is bad, whatever its type.
	decode func(d *decoder, r *resource, out *[]T)
	// consume is called with the outcomes of each unit, in order.
	consume func([]T) error
}

// A unit is a piece of input one worker decodes: a run of whole lines of
// an NDJSON file, or one JSON file.
type unit struct {
	seq   int
	file  int
	first int64   // line number of the first line
	data  *[]byte // the lines; nil for a JSON file
	err   error   // a read error to hand on, in order
}

type result[T any] struct {
	seq int
	out []T
	err error
}

// chunkSize is how much of an NDJSON file a unit holds (Feed.chunkSize):
// enough lines that handing units around costs nothing, few enough that
// every worker has work and memory stays small.
const chunkSize = 256 << 10

// freeList hands back what a pass has done with — chunks of input, slices
// of outcomes — for reuse. It is bounded like the units in flight, and
// unlike a sync.Pool is not emptied by each garbage collection, so that
// the memory of a pass stays the same however many resources it reads.
type freeList[T any] chan T

func (l freeList[T]) get(make func() T) T {
	select {
	case v := <-l:
		return v
	default:
		return make()
	}
}

func (l freeList[T]) put(v T) {
	select {
	case l <- v:
	default:
	}
}

// scan runs a pass over the feed's files.
func scan[T any](ctx context.Context, f *Feed, p *pass[T]) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := f.workers
	chunks := make(freeList[*[]byte], 2*n+2)
	outs := make(freeList[[]T], 2*n+2)
	units := make(chan unit)
	results := make(chan result[T], n)
	// Units in flight are bounded, so that memory is too: a token is taken
	// for each unit made and given back when its outcomes are consumed.
	tokens := make(chan struct{}, 2*n+2)
	go func() {
		defer close(units)
		f.produce(ctx, p.ignored != nil, p.wants, tokens, chunks, units)
	}()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := &decoder{opts: &f.opts}
			for u := range units {
				r := result[T]{seq: u.seq, err: u.err, out: outs.get(func() []T { return nil })[:0]}
				if r.err == nil {
					r.err = work(ctx, f, d, p, &u, &r.out)
				}
				if u.data != nil {
					chunks.put(u.data)
				}
				select {
				case results <- r:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	err := func() error {
		pending := map[int]result[T]{}
		next := 0
		for r := range results {
			pending[r.seq] = r
			for {
				r, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				if r.err != nil {
					return r.err
				}
				if err := p.consume(r.out); err != nil {
					return err
				}
				outs.put(r.out)
				<-tokens
			}
		}
		return ctx.Err()
	}()
	cancel()
	for range results {
		// Let every worker finish before returning.
	}
	return err
}

// produce cuts the feed's files into units. NDJSON files of types nobody
// wants are left unread, unless they are counted.
func (f *Feed) produce(ctx context.Context, counting bool, wants func(string) bool, tokens chan struct{}, chunks freeList[*[]byte], units chan<- unit) {
	seq := 0
	send := func(u unit) bool {
		select {
		case tokens <- struct{}{}:
		case <-ctx.Done():
			return false
		}
		u.seq = seq
		seq++
		select {
		case units <- u:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for i, in := range f.files {
		if f.json {
			if !send(unit{file: i}) {
				return
			}
			continue
		}
		if !wants(in.kind) && !(counting && !slices.Contains(readTypes, in.kind)) {
			continue
		}
		if err := f.chunk(ctx, i, chunks, send); err != nil {
			send(unit{file: i, err: err})
			return
		}
	}
}

// chunk reads an NDJSON file into units of whole lines.
func (f *Feed) chunk(ctx context.Context, file int, chunks freeList[*[]byte], send func(unit) bool) error {
	path := f.files[file].path
	in, err := f.opts.OpenFile(path)
	if err != nil {
		return err
	}
	defer in.Close()
	line := int64(1)
	var carry []byte // the start of a line cut by the last chunk
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		size := f.chunkSize
		buf := chunks.get(func() *[]byte { b := make([]byte, 0, size); return &b })
		b := append((*buf)[:0], carry...)
		// Read until the chunk is full, growing it for a line longer
		// than a chunk.
		if cap(b)-len(b) <= size/2 {
			b = slices.Grow(b, size)
		}
		n, rerr := io.ReadFull(in, b[len(b):cap(b)])
		b = b[:len(b)+n]
		eof := rerr == io.EOF || errors.Is(rerr, io.ErrUnexpectedEOF)
		if rerr != nil && !eof {
			return fmt.Errorf("read %s: %w", path, rerr)
		}
		cut := len(b)
		if !eof {
			cut = bytes.LastIndexByte(b, '\n') + 1
		}
		carry = append(carry[:0], b[cut:]...)
		b = b[:cut]
		*buf = b
		if len(b) > 0 {
			if !send(unit{file: file, first: line, data: buf}) {
				return nil
			}
			line += int64(bytes.Count(b, []byte{'\n'}))
		} else {
			chunks.put(buf)
		}
		if eof {
			return nil
		}
	}
}

// work decodes one unit.
func work[T any](ctx context.Context, f *Feed, d *decoder, p *pass[T], u *unit, out *[]T) error {
	// Each unit's strings go to fresh blocks: the unit's outcomes may live
	// on (in the rows being written) after the decoder moves on.
	d.block = nil
	if u.data == nil {
		return readJSON(ctx, f, d, p, u.file, out)
	}
	kind := f.files[u.file].kind
	if !p.wants(kind) {
		// A type nobody reads: count its resources.
		n := int64(0)
		for line := range bytes.Lines(*u.data) {
			if len(bytes.TrimSpace(line)) > 0 {
				n++
			}
		}
		if n > 0 {
			*out = append(*out, p.ignored(kind, n))
		}
		return nil
	}
	index := u.first
	r := resource{file: u.file, kind: kind}
	for line := range bytes.Lines(*u.data) {
		if t := bytes.TrimSpace(line); len(t) > 0 {
			r.index, r.data, r.bad = index, t, ""
			if !utf8.Valid(t) {
				r.bad = transforms.InvalidUTF8
			}
			p.decode(d, &r, out)
		}
		index++
	}
	return nil
}

// maxNesting bounds Bundles within Bundles.
const maxNesting = 8

// walker reads the resources of one JSON file.
type walker[T any] struct {
	ctx     context.Context
	f       *Feed
	d       *decoder
	p       *pass[T]
	file    int
	out     *[]T
	index   int64
	ignored map[string]int64
	es, ps  jsonscan.Scanner // read entries, and peek at resource types
}

// readJSON reads a JSON file: a Bundle, streamed entry by entry when it
// starts with its resourceType as FHIR's JSON does, or a single resource.
// A file that is not a JSON object with a resourceType is not of the feed.
func readJSON[T any](ctx context.Context, f *Feed, d *decoder, p *pass[T], file int, out *[]T) error {
	w := &walker[T]{ctx: ctx, f: f, d: d, p: p, file: file, out: out, ignored: map[string]int64{}}
	err := w.read()
	kinds := make([]string, 0, len(w.ignored))
	for k := range w.ignored {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		*out = append(*out, p.ignored(k, w.ignored[k]))
	}
	return err
}

func (w *walker[T]) notFeed(what string) error {
	return fmt.Errorf("read %s: %s: %w", w.f.files[w.file].path, what, transforms.ErrNotFeed)
}

func (w *walker[T]) read() error {
	path := w.f.files[w.file].path
	in, err := w.f.opts.OpenFile(path)
	if err != nil {
		return err
	}
	defer in.Close()
	s := newStream(in)
	if !s.expect('{') {
		if s.err != nil {
			return fmt.Errorf("read %s: %w", path, s.err)
		}
		return w.notFeed("not a FHIR Bundle or resource")
	}
	bundle := false
	for first := true; ; first = false {
		c, ok := s.peek()
		if !ok {
			return w.broken(s)
		}
		if c == '}' {
			s.pos++
			break
		}
		if !first && !s.expect(',') {
			return w.broken(s)
		}
		key, err := s.key(&w.es)
		if err != nil {
			return w.broken(s)
		}
		switch {
		case string(key) == "resourceType" && first:
			v, err := s.value()
			if err != nil {
				return w.broken(s)
			}
			w.es.Reset(v)
			if string(w.es.String()) != "Bundle" {
				return w.whole(in) // one resource
			}
			bundle = true
		case string(key) == "entry" && bundle:
			if !s.expect('[') {
				return w.broken(s)
			}
			for i := 0; ; i++ {
				c, ok := s.peek()
				if !ok {
					return w.broken(s)
				}
				if c == ']' {
					s.pos++
					break
				}
				if i > 0 && !s.expect(',') {
					return w.broken(s)
				}
				v, err := s.value()
				if err != nil {
					return w.broken(s)
				}
				if err := w.entry(v, 0); err != nil {
					return err
				}
			}
		case !bundle:
			// resourceType is not first: read the file whole.
			return w.whole(in)
		default:
			if _, err := s.value(); err != nil {
				return w.broken(s)
			}
		}
	}
	if !bundle {
		return w.whole(in)
	}
	if !s.atEnd() {
		return w.broken(s)
	}
	return nil
}

// broken reports a file that ends inside a value, or holds what is not
// JSON, as one malformed record where it happened: what follows cannot be
// found reliably, so the rest of the file is left.
func (w *walker[T]) broken(s *stream) error {
	if s.err != nil {
		return fmt.Errorf("read %s: %w", w.f.files[w.file].path, s.err)
	}
	w.index++
	r := resource{file: w.file, index: w.index, bad: transforms.MalformedRecord}
	w.p.decode(w.d, &r, w.out)
	return nil
}

// whole reads the file whole and reads it as a Bundle or one resource.
func (w *walker[T]) whole(in *transforms.File) error {
	in.Close()
	in, err := w.f.opts.OpenFile(w.f.files[w.file].path)
	if err != nil {
		return err
	}
	defer in.Close()
	data, err := io.ReadAll(in)
	if err != nil {
		return fmt.Errorf("read %s: %w", w.f.files[w.file].path, err)
	}
	kind, ok := w.peek(data)
	if !ok {
		w.index++
		r := resource{file: w.file, index: w.index, kind: kind, bad: transforms.MalformedRecord}
		w.p.decode(w.d, &r, w.out)
		return nil
	}
	if kind == "" {
		return w.notFeed("no resourceType")
	}
	w.index++
	return w.resource(data, nil, kind, 0)
}

// entry reads one Bundle entry: its fullUrl and resource.
func (w *walker[T]) entry(raw []byte, depth int) error {
	if w.index&255 == 0 {
		if err := w.ctx.Err(); err != nil {
			return err
		}
	}
	w.index++
	var full, res []byte
	w.es.Reset(raw)
	for k := range w.es.Object() {
		switch string(k) {
		case "fullUrl":
			full = w.es.String()
		case "resource":
			res = w.es.Raw()
		default:
			w.es.Skip()
		}
	}
	if w.es.End() != nil {
		r := resource{file: w.file, index: w.index, kind: peekTypeBytes(raw), bad: transforms.MalformedRecord}
		if !utf8.Valid(raw) {
			r.bad = transforms.InvalidUTF8
		}
		w.p.decode(w.d, &r, w.out)
		return nil
	}
	if res == nil {
		return nil // a request or response without a resource
	}
	kind, ok := w.peek(res)
	if !ok {
		r := resource{file: w.file, index: w.index, kind: kind, bad: transforms.MalformedRecord}
		w.p.decode(w.d, &r, w.out)
		return nil
	}
	return w.resource(res, full, kind, depth)
}

// resource hands one resource to the pass; a Bundle's entries are read in
// turn.
func (w *walker[T]) resource(data, full []byte, kind string, depth int) error {
	r := resource{file: w.file, index: w.index, kind: kind, fullURL: full, data: data}
	switch {
	case !utf8.Valid(data):
		r.bad = transforms.InvalidUTF8
		w.p.decode(w.d, &r, w.out)
		return nil
	case kind == "Bundle":
		if depth >= maxNesting {
			r.bad = transforms.MalformedRecord
			w.p.decode(w.d, &r, w.out)
			return nil
		}
		return w.nested(data, depth+1)
	case w.p.wants(kind):
		w.p.decode(w.d, &r, w.out)
	case w.p.ignored != nil && !slices.Contains(readTypes, kind):
		w.ignored[kind]++
	}
	return nil
}

// nested reads the entries of a Bundle held in memory.
func (w *walker[T]) nested(data []byte, depth int) error {
	var s jsonscan.Scanner
	s.Reset(data)
	for k := range s.Object() {
		if string(k) != "entry" {
			s.Skip()
			continue
		}
		for range s.Array() {
			raw := s.Raw()
			if raw == nil {
				break
			}
			if err := w.entry(raw, depth); err != nil {
				return err
			}
		}
	}
	return nil
}

// peek returns a resource's resourceType; false when its JSON breaks
// before it, with the type found by a plain search of the bytes, if any.
func (w *walker[T]) peek(data []byte) (string, bool) {
	s := &w.ps
	s.Reset(data)
	if !s.OpenObject() {
		return peekTypeBytes(data), false
	}
	for {
		k, ok := s.Key()
		if !ok {
			if s.Err() != nil {
				return peekTypeBytes(data), false
			}
			return "", true
		}
		if string(k) == "resourceType" {
			v := s.String()
			if s.Err() != nil {
				return peekTypeBytes(data), false
			}
			return kindName(v), true
		}
		s.Skip()
	}
}

// kindName returns a resource type's name, without allocating for the
// types carecast reads.
func kindName(b []byte) string {
	for _, k := range readTypes {
		if string(b) == k {
			return k
		}
	}
	if string(b) == "Bundle" {
		return "Bundle"
	}
	return string(b)
}

// peekTypeBytes finds the resourceType of a resource that could not be
// decoded, so that its rejection is counted in the right pass.
func peekTypeBytes(raw []byte) string {
	_, after, ok := bytes.Cut(raw, []byte(`"resourceType"`))
	if !ok {
		return ""
	}
	after = bytes.TrimLeft(after, " \t\r\n:")
	after, ok = bytes.CutPrefix(after, []byte{'"'})
	if !ok {
		return ""
	}
	if i := bytes.IndexByte(after, '"'); i > 0 && i < 40 {
		return kindName(after[:i])
	}
	return ""
}
