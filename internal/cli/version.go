package cli

import (
	"context"
	"fmt"

	"github.com/yhcr/carecast/internal/buildinfo"
)

var cmdVersion = &Command{
	Name:      "version",
	UsageLine: "",
	Short:     "print the carecast version",
	Long:      "Version prints carecast's version, the Go toolchain and the DuckDB driver it was built with.",
	Run: func(ctx context.Context, env *Env, args []string) error {
		if len(args) > 0 {
			return usageError("version takes no arguments")
		}
		fmt.Fprintf(env.Stdout, "carecast %s (%s; %s %s)\n", buildinfo.Version(), buildinfo.GoVersion(),
			buildinfo.DuckDBModule, buildinfo.Dependency(buildinfo.DuckDBModule))
		return nil
	},
}
