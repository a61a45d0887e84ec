package cli

import (
	"context"
	"errors"
)

// cmdRuns is being built; see the issue that adds it.
var cmdRuns = &Command{
	Name:  "runs",
	Short: "(being built)",
	Run: func(ctx context.Context, env *Env, args []string) error {
		return errors.New("runs: not built yet")
	},
}
