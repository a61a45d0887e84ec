package cli

import (
	"context"
	"errors"
)

// cmdReport is being built; see the issue that adds it.
var cmdReport = &Command{
	Name:  "report",
	Short: "(being built)",
	Run: func(ctx context.Context, env *Env, args []string) error {
		return errors.New("report: not built yet")
	},
}
