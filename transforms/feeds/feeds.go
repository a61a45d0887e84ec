// Package feeds opens a configured feed with the reader of its format. It
// is apart from transforms so that the format packages can depend on
// transforms without a cycle.
package feeds

import (
	"errors"
	"fmt"

	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/transforms"
	"github.com/yhcr/carecast/transforms/csvfeed"
	"github.com/yhcr/carecast/transforms/fhir"
	"github.com/yhcr/carecast/transforms/synthea"
)

// ErrUnknownFormat reports a feed format no reader handles.
var ErrUnknownFormat = errors.New("unknown feed format")

// Open returns the reader of a configured feed. The feed's name, person_id
// (when set) and local code systems are set in opts. A missing folder, a folder not of the
// format, or a file lacking a required column is an error naming the file
// and the problem.
func Open(cfg config.Feed, opts transforms.Options) (transforms.Feed, error) {
	opts.Feed = cfg.Name
	if cfg.PersonID != "" {
		opts.PersonIDSystem = cfg.PersonID
	}
	for i, cs := range cfg.LocalCodeSystems {
		sys, err := transforms.LocalCodeSystem(cs.Name, cs.URI, cs.Pattern)
		if err != nil {
			return nil, fmt.Errorf("feed %s: local_code_systems[%d]: %w", cfg.Name, i, err)
		}
		opts.LocalCodeSystems = append(opts.LocalCodeSystems, sys)
	}
	switch cfg.Format {
	case "csv":
		return csvfeed.Open(cfg.Name, cfg.Path, opts)
	case "fhir":
		return fhir.Open(cfg.Name, cfg.Path, opts)
	case "synthea":
		return synthea.Open(cfg.Name, cfg.Path, opts)
	}
	return nil, fmt.Errorf("feed %s: format %q: %w", cfg.Name, cfg.Format, ErrUnknownFormat)
}
