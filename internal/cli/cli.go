// Package cli is the carecast command line: one Command per subcommand and
// Run, which main calls and tests call in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/scenario"
	"github.com/yhcr/carecast/warehouse"
)

// A Command is one carecast subcommand.
type Command struct {
	Name      string
	UsageLine string // after "carecast <name>"
	Short     string
	Long      string
	// SetFlags declares the command's flags.
	SetFlags func(fs *flag.FlagSet)
	// Run runs the command with the arguments left after the flags.
	Run func(ctx context.Context, env *Env, args []string) error
}

// Env is what a command may touch outside itself: its streams, environment,
// clock and logger. Tests supply their own.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Now            func() time.Time
	// Log is set up by Run from --log-format/--log-level or the config.
	Log *slog.Logger
	// StdoutIsTerminal reports whether Stdout is an interactive terminal.
	StdoutIsTerminal bool
	StderrIsTerminal bool
}

// ErrUsage marks a usage error (exit code 2).
var ErrUsage = errors.New("usage")

// ErrLocked marks a run refused because another holds the warehouse lock
// (exit code 3).
var ErrLocked = errors.New("warehouse locked")

// usageError is a usage problem with the message to show.
func usageError(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, a...))
}

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
	ExitLocked  = 3
)

// commands lists the subcommands in the order help shows them.
func commands() []*Command {
	return []*Command{
		cmdRun,
		cmdGenerate,
		cmdSQL,
		cmdForecast,
		cmdReport,
		cmdScenario,
		cmdSchedule,
		cmdRuns,
		cmdStatus,
		cmdVersion,
	}
}

// Run runs carecast with args (without the program name) and returns the
// process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{
		Stdin: stdin, Stdout: stdout, Stderr: stderr,
		Getenv: os.Getenv, Now: time.Now,
		StdoutIsTerminal: isTerminal(stdout), StderrIsTerminal: isTerminal(stderr),
	}
	return RunEnv(ctx, env, args)
}

// RunEnv is Run with a caller-supplied environment.
func RunEnv(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 {
		printUsage(env.Stderr)
		return ExitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c := lookup(args[1]); c != nil {
				printCommandHelp(env.Stdout, c, nil)
				return ExitOK
			}
			fmt.Fprintf(env.Stderr, "carecast help: unknown command %q\n", args[1])
			return ExitUsage
		}
		printUsage(env.Stdout)
		return ExitOK
	case "-version", "--version":
		name = "version"
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(env.Stderr, "carecast: unknown command %q\nRun 'carecast help' for usage.\n", name)
		return ExitUsage
	}
	fs := flag.NewFlagSet("carecast "+c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	logFormat := fs.String("log-format", "", "log format: text, json or auto (default from config, else auto)")
	logLevel := fs.String("log-level", "", "log level: debug, info, warn or error")
	if c.SetFlags != nil {
		c.SetFlags(fs)
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandHelp(env.Stdout, c, fs)
			return ExitOK
		}
		fmt.Fprintf(env.Stderr, "carecast %s: %v\n", c.Name, err)
		fmt.Fprintf(env.Stderr, "usage: carecast %s %s\nRun 'carecast %s --help' for details.\n", c.Name, c.UsageLine, c.Name)
		return ExitUsage
	}
	if env.Log == nil {
		l, err := newLogger(env.Stderr, env.StderrIsTerminal, *logFormat, *logLevel)
		if err != nil {
			fmt.Fprintf(env.Stderr, "carecast %s: %v\n", c.Name, err)
			return ExitUsage
		}
		env.Log = l
	}
	err := c.Run(ctx, env, fs.Args())
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "carecast %s: %v\n", c.Name, err)
	switch {
	case errors.Is(err, ErrUsage):
		fmt.Fprintf(env.Stderr, "usage: carecast %s %s\n", c.Name, c.UsageLine)
		return ExitUsage
	case errors.Is(err, config.ErrInvalid), errors.Is(err, scenario.ErrInvalid):
		return ExitUsage
	case errors.Is(err, ErrLocked):
		return ExitLocked
	}
	return ExitFailure
}

func lookup(name string) *Command {
	for _, c := range commands() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `carecast turns partner health and care feeds into pseudonymised extracts,
demand models, forecasts and commissioners' reports, honouring opt-outs.

Usage:

	carecast <command> [flags] [arguments]

Commands:

`)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "\t%s\t%s\n", c.Name, c.Short)
	}
	tw.Flush()
	fmt.Fprint(w, `
Run 'carecast <command> --help' for a command's flags.
Exit codes: 0 success, 1 failure, 2 usage or configuration error, 3 warehouse locked.
`)
}

func printCommandHelp(w io.Writer, c *Command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: carecast %s %s\n\n%s\n", c.Name, c.UsageLine, strings.TrimSpace(c.Long))
	if fs == nil {
		fs = flag.NewFlagSet(c.Name, flag.ContinueOnError)
		if c.SetFlags != nil {
			c.SetFlags(fs)
		}
	}
	has := false
	fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprint(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

// loadConfig reads the config file, or returns the default (the embedded
// demo region) when path is empty.
func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.Default(), nil
	}
	return config.Load(path)
}

// scheduleLocation is the config's schedule.location, the time zone of
// business dates.
func scheduleLocation(cfg *config.Config) (*time.Location, error) {
	loc, err := time.LoadLocation(cfg.Schedule.Location)
	if err != nil {
		return nil, fmt.Errorf("%w: schedule.location: %w", config.ErrInvalid, err)
	}
	return loc, nil
}

// parseDate reads a YYYY-MM-DD flag value.
func parseDate(flagName, s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, usageError("--%s: want YYYY-MM-DD, have %q", flagName, s)
	}
	return t, nil
}

// loadRun reads the config file (the demo's when path is empty), finds the
// run a reader asks for (see readRun) and takes a lease on it. Release the
// lease when done.
func loadRun(env *Env, path, sel string) (*config.Config, string, *warehouse.Lease, error) {
	cfg, err := loadConfig(path)
	if err != nil {
		return nil, "", nil, err
	}
	dir, lease, err := readRun(cfg, env, sel)
	return cfg, dir, lease, err
}

// readRun finds the run a reader asks for and takes a lease on it, so that
// no run's pruning removes it while it is read: with sel empty the
// warehouse's CURRENT run, else the run id sel or the kept run of the
// business date sel (YYYY-MM-DD), published or not. Release the lease when
// done.
func readRun(cfg *config.Config, env *Env, sel string) (string, *warehouse.Lease, error) {
	wh, err := warehouse.Open(cfg.Warehouse, env.Log)
	if err != nil {
		return "", nil, err
	}
	var id string
	switch d, derr := time.Parse(time.DateOnly, sel); {
	case sel == "":
		if id, err = wh.Current(); err != nil {
			return "", nil, fmt.Errorf("warehouse %s: %w", cfg.Warehouse, err)
		}
	case derr == nil:
		if id, err = wh.RunOf(d); err != nil {
			return "", nil, fmt.Errorf("--run: %w (the kept runs: carecast runs --kept)", err)
		}
	default:
		if _, err := warehouse.ParseRunID(sel); err != nil {
			return "", nil, usageError("--run: %q is neither a run id nor a business date (YYYY-MM-DD)", sel)
		}
		id = sel
	}
	lease, err := wh.Lease(id)
	if errors.Is(err, warehouse.ErrNotKept) {
		return "", nil, fmt.Errorf("%w (the kept runs: carecast runs --kept)", err)
	}
	if err != nil {
		return "", nil, err
	}
	return wh.RunDir(id), lease, nil
}
