package cli

import (
	"context"
	"errors"
)

// cmdGenerate is being built; see the issue that adds it.
var cmdGenerate = &Command{
	Name:  "generate",
	Short: "(being built)",
	Run: func(ctx context.Context, env *Env, args []string) error {
		return errors.New("generate: not built yet")
	},
}
