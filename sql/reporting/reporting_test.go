package reporting

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestQuery(t *testing.T) {
	names, err := fs.Glob(files, "*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no queries embedded: %v", err)
	}
	for _, name := range names {
		q, err := Query(strings.TrimSuffix(name, ".sql"))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !strings.Contains(q, "SELECT") || strings.HasSuffix(q, ";") {
			t.Errorf("%s: want one SELECT statement without a trailing semicolon", name)
		}
	}
	if _, err := Query("no_such_query"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Query of an unknown name: %v, want fs.ErrNotExist", err)
	}
}
