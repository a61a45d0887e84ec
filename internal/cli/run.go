package cli

import (
	"context"
	"errors"
)

// cmdRun is being built; see the issue that adds it.
var cmdRun = &Command{
	Name:  "run",
	Short: "(being built)",
	Run: func(ctx context.Context, env *Env, args []string) error {
		return errors.New("run: not built yet")
	},
}
