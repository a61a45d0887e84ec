// Command carecast is the population-health analytics pipeline for NHS
// shared-care-record partnerships. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/yhcr/carecast/internal/cli"
)

func main() {
	// SIGINT and SIGTERM cancel the context: a run in progress is stopped
	// through it and its staging removed, leaving the last good run intact.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
