package transforms

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInputsNameFilesByFeedAndOrdinal(t *testing.T) {
	dir := t.TempDir()
	names := []string{"Ysolde_Quennell_9991000017.json", "Adam_Bell_9991000025.json", "b.json"}
	for _, n := range names {
		os.WriteFile(filepath.Join(dir, n), []byte("{}"), 0o644)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	in := NewInputs()
	in.AddFeed("acute", dir)
	// Sorted by name: Adam…, Ysolde…, b.json.
	for path, want := range map[string]string{
		filepath.Join(dir, names[1]): "acute#1",
		filepath.Join(dir, names[0]): "acute#2",
		filepath.Join(dir, "b.json"): "acute#3",
		dir + "/./b.json":            "acute#3",
		filepath.Join(dir, "late"):   "acute#4", // named on first sight
	} {
		if got := in.Name("acute", path); got != want {
			t.Errorf("Name(%s) = %q, want %q", filepath.Base(path), got, want)
		}
	}
	if got := len(in.All()); got != 4 {
		t.Errorf("%d inputs, want 4", got)
	}
	if in.PathOf("acute#2") != filepath.Join(dir, names[0]) || in.PathOf("acute#9") != "" {
		t.Error("PathOf")
	}

	base := errors.New("not a FHIR Bundle")
	err := in.RedactError(fmt.Errorf("feed acute: read %s: %w", filepath.Join(dir, names[0]), base))
	if !errors.Is(err, base) {
		t.Error("the redacted error does not wrap the original")
	}
	msg := err.Error()
	if strings.Contains(msg, "Quennell") || strings.Contains(msg, "9991000017") || !strings.Contains(msg, "read acute#2: not a FHIR Bundle") {
		t.Errorf("redacted error %q", msg)
	}
	for _, tt := range []struct{ in, want string }{
		{"open " + names[1] + " failed", "open acute#1 failed"},
		{"read " + filepath.Join(dir, "sub", "Zed_9991000033.json") + ": bad", "read acute#?: bad"},
		{"read " + filepath.Join(dir, "Unlisted 9991000041.json"), "read acute#?"},
		{"feed folder " + dir + " is fine", "feed folder " + dir + " is fine"},
	} {
		if got := in.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if in.RedactError(nil) != nil {
		t.Error("RedactError(nil) is not nil")
	}
}

// A Quarantine never keeps a file name: with no inputs named, it names
// files in the order it meets them.
func TestQuarantineNamesInputs(t *testing.T) {
	q := NewQuarantine(nil)
	q.Reject(Rejection{Feed: "gp", File: "/data/gp/Jane_Smith_9434765919.json", Record: 2, Entity: EntityPerson, Reason: BadDate}, "")
	q.Reject(Rejection{Feed: "gp", File: "/data/gp/other.json", Record: 3, Entity: EntityPerson, Reason: BadDate}, "")
	q.Reject(Rejection{Feed: "gp", File: "/data/gp/Jane_Smith_9434765919.json", Record: 4, Entity: EntityPerson, Reason: BadDate}, "")
	var got []string
	for _, r := range q.Rejections() {
		got = append(got, r.File)
	}
	if strings.Join(got, " ") != "gp#1 gp#2 gp#1" {
		t.Errorf("files %v", got)
	}
}
