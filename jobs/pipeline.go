// Package jobs composes carecast's stages into jobs — the nightly pipeline,
// report-only and forecast-only runs — and runs them on a schedule with a
// ledger, one writer at a time.
package jobs

import (
	"io"
	"time"

	"github.com/yhcr/carecast/internal/config"
)

// Triggers record why a run happened.
const (
	TriggerManual   = "manual"
	TriggerSchedule = "schedule"
	TriggerBackfill = "backfill"
	TriggerCatchUp  = "catch-up"
)

// Request asks for one run of a job.
type Request struct {
	Config       *config.Config
	Job          string    // job name: "nightly" for a manual `carecast run`
	Kind         string    // pipeline, report, forecast or scenario
	BusinessDate time.Time // the date the run processes (midnight, Europe/London)
	Trigger      string
	Attempt      int
	// Progress, when set, is a terminal to draw progress bars on.
	Progress io.Writer
	// Scenarios are the scenario files a scenario job runs (default: the
	// config's).
	Scenarios []string
	// SourceRun is the run a scenario job builds on (default: the current
	// one). The new run is of its business date: on a run older than the
	// current one it is committed without being published.
	SourceRun string
	// NewKey declares that the pseudonymisation key is meant to differ
	// from the previous committed run's (carecast run --new-key).
	NewKey bool
}

// Result is what a successful run leaves.
type Result struct {
	RunID  string
	RunDir string // the committed run folder
	// Published is false for a run committed for an older business date
	// than the warehouse's CURRENT run (a backfill): CURRENT stays on Current.
	Published bool
	Current   string // the warehouse's CURRENT run after the commit
	Report    string // path of the report's index.html, when built
	// Counts are the headline counts for the ledger: people and events in
	// and out, quarantined, opted out.
	Counts map[string]int64
	// Summary is what the run read and wrote, for people to read.
	Summary Summary
}

// Summary says what a run read and wrote.
type Summary struct {
	Demo     bool
	Feeds    []FeedSummary
	Services []string                 // service names, in vocabulary order
	Years    map[int]map[string]int64 // events written by year and service
	Rejected []RejectedCount          // quarantined records by feed and reason
}

// FeedSummary counts one feed's records.
type FeedSummary struct {
	Name                                           string
	People, Events, Quarantined, OptedOut, Written int64
}

// RejectedCount is the number of records of a feed quarantined for a reason.
type RejectedCount struct {
	Feed, Reason string
	N            int64
}
