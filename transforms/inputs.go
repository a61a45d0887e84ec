package transforms

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Inputs names a run's input files without their names: by feed and a
// stable ordinal, "gp#3". Systems name files after their patients (Synthea
// writes Given_Family_<id>.json, one Bundle a patient), so a file's name or
// path never reaches an output — quarantine, manifest, report, logs or
// errors. The ordinal of a file is its position, from 1, in its feed
// folder's listing sorted by name; with the manifest's SHA-256 and size an
// operator finds the file without the outputs naming it. Safe for
// concurrent use.
type Inputs struct {
	mu       sync.Mutex
	byPath   map[string]*Input
	list     []*Input
	next     map[string]int    // next ordinal of files named on first sight, by feed
	dirs     map[string]string // feed folder → feed
	replacer *strings.Replacer // built on first use, dropped when names change
}

// Input is one named input file.
type Input struct {
	Name    string // feed#ordinal
	Feed    string
	Ordinal int
	path    string
}

// Path returns the file's path, for reading and hashing it; never write it
// anywhere.
func (in *Input) Path() string { return in.path }

// NewInputs returns an empty set of inputs.
func NewInputs() *Inputs {
	return &Inputs{byPath: map[string]*Input{}, next: map[string]int{}, dirs: map[string]string{}}
}

// AddFeed names every regular file in the feed's folder dir (not below
// it: no reader looks there), by its position in the folder sorted by
// name. A folder that cannot be listed names nothing; opening the feed
// then reports the problem.
func (in *Inputs) AddFeed(feed, dir string) {
	ents, err := os.ReadDir(dir) // sorted by name
	in.mu.Lock()
	defer in.mu.Unlock()
	in.dirs[filepath.Clean(dir)] = feed
	if err != nil {
		return
	}
	n := 0
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		n++
		in.add(feed, filepath.Join(dir, e.Name()), n)
	}
	in.next[feed] = max(in.next[feed], n+1)
}

func (in *Inputs) add(feed, path string, ordinal int) *Input {
	x := &Input{Name: fmt.Sprintf("%s#%d", feed, ordinal), Feed: feed, Ordinal: ordinal, path: path}
	in.byPath[path] = x
	in.byPath[filepath.Clean(path)] = x
	in.list = append(in.list, x)
	in.replacer = nil
	return x
}

// Name returns the name of the input at path. A path not named by AddFeed
// is named now, with the next ordinal of its feed, so that no caller can
// get a file name back.
func (in *Inputs) Name(feed, path string) string {
	return in.Input(feed, path).Name
}

// Input returns the input at path, naming it as Name does.
func (in *Inputs) Input(feed, path string) *Input {
	in.mu.Lock()
	defer in.mu.Unlock()
	if x, ok := in.byPath[path]; ok {
		return x
	}
	if x, ok := in.byPath[filepath.Clean(path)]; ok {
		return x
	}
	n := max(in.next[feed], 1)
	in.next[feed] = n + 1
	return in.add(feed, path, n)
}

// All returns the inputs named so far, by feed and ordinal.
func (in *Inputs) All() []*Input {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := slices.Clone(in.list)
	slices.SortFunc(out, func(a, b *Input) int {
		return cmp.Or(cmp.Compare(a.Feed, b.Feed), cmp.Compare(a.Ordinal, b.Ordinal))
	})
	return out
}

// PathOf returns the path of the input called name, for tests and tools
// that show an operator which file is meant; "" when there is none.
func (in *Inputs) PathOf(name string) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, x := range in.list {
		if x.Name == name {
			return x.path
		}
	}
	return ""
}

// Redact replaces, in s, every named input's path and file name by the
// input's name, and the rest of any other path in a feed's folder, up to
// the next ": ", by the feed's name and "#?". It is how an error met while
// reading a feed — which names its file, as errors should — can be logged
// and recorded.
func (in *Inputs) Redact(s string) string {
	in.mu.Lock()
	r := in.replacer
	if r == nil {
		// Longest first: a path before the file name it ends with, and
		// Replacer prefers the earlier of two matches at one place. Names
		// shorter than five bytes hold no identifier, and replacing them
		// would garble words.
		type pair struct{ old, new string }
		var pairs []pair
		for _, x := range in.list {
			pairs = append(pairs, pair{x.path, x.Name})
			if b := filepath.Base(x.path); len(b) >= 5 {
				pairs = append(pairs, pair{b, x.Name})
			}
		}
		slices.SortFunc(pairs, func(a, b pair) int {
			return cmp.Or(cmp.Compare(len(b.old), len(a.old)), cmp.Compare(a.old, b.old))
		})
		args := make([]string, 0, 2*len(pairs))
		for _, p := range pairs {
			args = append(args, p.old, p.new)
		}
		r = strings.NewReplacer(args...)
		in.replacer = r
	}
	dirs := make(map[string]string, len(in.dirs))
	for d, f := range in.dirs {
		dirs[d] = f
	}
	in.mu.Unlock()
	s = r.Replace(s)
	for dir, feed := range dirs {
		prefix := dir + string(filepath.Separator)
		for {
			i := strings.Index(s, prefix)
			if i < 0 {
				break
			}
			end := len(s)
			if j := strings.Index(s[i:], ": "); j >= 0 {
				end = i + j
			}
			s = s[:i] + feed + "#?" + s[end:]
		}
	}
	return s
}

// RedactError returns err with Redact applied to its message; errors.Is and
// errors.As still see err. nil stays nil.
func (in *Inputs) RedactError(err error) error {
	if err == nil {
		return nil
	}
	var r *redacted
	if errors.As(err, &r) && r.by == in {
		return err
	}
	return &redacted{err: err, msg: in.Redact(err.Error()), by: in}
}

type redacted struct {
	err error
	msg string
	by  *Inputs
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }
