// Package reporting holds the queries behind the commissioners' report, one
// .sql file each, run against a run opened with sql.OpenRun.
package reporting

import (
	"embed"
	"fmt"
	"strings"
)

//go:embed *.sql
var files embed.FS

// Query returns the text of the named query (the file name without .sql).
func Query(name string) (string, error) {
	b, err := files.ReadFile(name + ".sql")
	if err != nil {
		return "", fmt.Errorf("report query %s: %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}
