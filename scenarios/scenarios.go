// Package scenarios holds carecast's example planning scenarios
// (docs/scenarios.md), embedded so that the demo region runs them with no
// configuration.
package scenarios

import (
	"embed"
	"io/fs"
	"slices"
)

//go:embed *.yaml
var files embed.FS

// Example is an example scenario file: its name and text.
type Example struct {
	Name string // file name, e.g. growth-and-mitigation.yaml
	Text []byte
}

// Examples returns the example scenarios in name order.
func Examples() ([]Example, error) {
	names, err := fs.Glob(files, "*.yaml")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	out := make([]Example, 0, len(names))
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, Example{Name: n, Text: b})
	}
	return out, nil
}
