// Package buildinfo says which carecast this is, for `carecast version` and
// for every run's manifest.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// version is set at link time by the Makefile (-X); otherwise it is read from
// the module's VCS stamp.
var version = ""

// Version returns the software version: the linked version, else the VCS
// revision (marked +dirty when the tree had changes), else "devel".
func Version() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return "devel"
	}
	return rev + dirty
}

// DuckDBModule is the driver module carecast embeds DuckDB through.
const DuckDBModule = "github.com/duckdb/duckdb-go/v2"

// Dependency returns the version of a module carecast was built with.
func Dependency(path string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, d := range info.Deps {
		if d.Path == path {
			return d.Version
		}
	}
	return ""
}

// GoVersion returns the Go toolchain carecast was built with.
func GoVersion() string { return runtime.Version() }
