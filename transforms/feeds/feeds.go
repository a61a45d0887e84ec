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

// Open returns the reader of a configured feed. The feed's person_id, when
// set, overrides opts.PersonIDSystem. A missing folder, a folder not of the
// format, or a file lacking a required column is an error naming the file
// and the problem.
func Open(cfg config.Feed, opts transforms.Options) (transforms.Feed, error) {
	if cfg.PersonID != "" {
		opts.PersonIDSystem = cfg.PersonID
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
