package cli

import (
	"context"
	"errors"
)

// cmdSchedule is being built; see the issue that adds it.
var cmdSchedule = &Command{
	Name:  "schedule",
	Short: "(being built)",
	Run: func(ctx context.Context, env *Env, args []string) error {
		return errors.New("schedule: not built yet")
	},
}
