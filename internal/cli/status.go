package cli

import (
	"context"
	"errors"
)

// cmdStatus is being built; see the issue that adds it.
var cmdStatus = &Command{
	Name:  "status",
	Short: "(being built)",
	Run: func(ctx context.Context, env *Env, args []string) error {
		return errors.New("status: not built yet")
	},
}
