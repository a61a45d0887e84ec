package cli

import (
	"context"
	"errors"
)

// cmdForecast is being built; see the issue that adds it.
var cmdForecast = &Command{
	Name:  "forecast",
	Short: "(being built)",
	Run: func(ctx context.Context, env *Env, args []string) error {
		return errors.New("forecast: not built yet")
	},
}
