package cli

import (
	"context"
	"errors"
)

// cmdSQL is being built; see the issue that adds it.
var cmdSQL = &Command{
	Name:  "sql",
	Short: "(being built)",
	Run: func(ctx context.Context, env *Env, args []string) error {
		return errors.New("sql: not built yet")
	},
}
