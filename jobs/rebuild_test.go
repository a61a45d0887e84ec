package jobs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestIsCrossDevice: a cross-device link is told by its error number,
// wrapped or not, never by the text of a message (issue 16, finding 6).
func TestIsCrossDevice(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"link error", &os.LinkError{Op: "link", Old: "a", New: "b", Err: syscall.EXDEV}, true},
		{"wrapped", fmt.Errorf("copy run: %w", &os.LinkError{Op: "link", Err: syscall.EXDEV}), true},
		{"bare errno", syscall.EXDEV, true},
		{"text alone", &os.LinkError{Op: "link", Err: errors.New("invalid cross-device link")}, false},
		{"permission", &os.LinkError{Op: "link", Err: syscall.EPERM}, false},
		{"nil", nil, false},
	} {
		if got := isCrossDevice(c.err); got != c.want {
			t.Errorf("%s: isCrossDevice(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

// TestLinkTreeAcrossDevices copies where hard links cannot cross file
// systems: /dev/shm is a tmpfs apart from the temporary folder on most
// Linux machines.
func TestLinkTreeAcrossDevices(t *testing.T) {
	src, err := os.MkdirTemp("/dev/shm", "carecast-linktree-")
	if err != nil {
		t.Skipf("no /dev/shm: %v", err)
	}
	defer os.RemoveAll(src)
	dst := t.TempDir()
	probe := filepath.Join(src, "probe")
	if err := os.WriteFile(probe, []byte("x"), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(probe, filepath.Join(dst, "probe")); !errors.Is(err, syscall.EXDEV) {
		t.Skipf("/dev/shm and %s are one file system here (link: %v)", dst, err)
	}
	os.Remove(probe)
	if err := os.MkdirAll(filepath.Join(src, "models"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"persons.parquet": "people", filepath.Join("models", "series.parquet"): "series", "manifest.json": "{}"}
	for rel, body := range files {
		if err := os.WriteFile(filepath.Join(src, rel), []byte(body), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dst, "run")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := linkTree(src, out, func(rel string) bool { return rel == "manifest.json" }); err != nil {
		t.Fatalf("linkTree across devices: %v", err)
	}
	for rel, body := range files {
		b, err := os.ReadFile(filepath.Join(out, rel))
		switch {
		case rel == "manifest.json":
			if err == nil {
				t.Errorf("%s was skipped, yet copied", rel)
			}
		case err != nil || string(b) != body:
			t.Errorf("%s: %q, %v; want %q", rel, b, err, body)
		}
	}
}
