package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as carecast itself, so that tests can
// run it as a child process and signal it.
func TestMain(m *testing.M) {
	if os.Getenv("CARECAST_TEST_AS_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func carecast(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "CARECAST_TEST_AS_MAIN=1")
	return cmd
}

// SIGTERM in the middle of a run cancels it through its context: the run's
// staging is removed, and CURRENT and the last good run are untouched.
func TestSIGTERMMidRunLeavesTheLastRunIntact(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipeline in child processes")
	}
	dir := t.TempDir()
	configFile := filepath.Join(dir, "carecast.yaml")
	warehouse := filepath.Join(dir, "warehouse")
	config := "work_dir: " + filepath.Join(dir, "work") + "\nwarehouse: " + warehouse +
		"\ndemo:\n  scale: 0.001\n  years: 2\n  end: 2026-10-31\n"
	if err := os.WriteFile(configFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	first := carecast(t, "run", "--config", configFile, "--date", "2026-11-01")
	if out, err := first.CombinedOutput(); err != nil {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	before := treeHash(t, warehouse)
	current, err := os.ReadFile(filepath.Join(warehouse, "CURRENT"))
	if err != nil {
		t.Fatal(err)
	}

	second := carecast(t, "run", "--config", configFile, "--date", "2026-11-02")
	second.Stdout, second.Stderr = io.Discard, io.Discard
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the run is writing its staging, then stop it.
	staging := filepath.Join(warehouse, "staging")
	deadline := time.Now().Add(2 * time.Minute)
	for !hasEntries(staging) {
		if time.Now().After(deadline) {
			second.Process.Kill()
			t.Fatal("the second run never started staging")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- second.Wait() }()
	select {
	case err = <-exited:
	case <-time.After(time.Minute):
		second.Process.Kill()
		t.Fatal("carecast did not exit within a minute of SIGTERM")
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("exit after SIGTERM: %v, want exit code 1", err)
	}
	if hasEntries(staging) {
		t.Error("the cancelled run left staging behind")
	}
	after, err := os.ReadFile(filepath.Join(warehouse, "CURRENT"))
	if err != nil || string(after) != string(current) {
		t.Errorf("CURRENT changed: %q → %q (%v)", current, after, err)
	}
	if treeHash(t, warehouse) != before {
		t.Error("the cancelled run changed the warehouse")
	}
}

func hasEntries(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) > 0
}

// treeHash hashes the committed runs and CURRENT (not the ledger, the lock
// or staging, which record attempts rather than outputs).
func treeHash(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel != "CURRENT" && rel != "runs" && !strings.HasPrefix(rel, "runs"+string(filepath.Separator)) {
			return nil
		}
		io.WriteString(h, rel+"\n")
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		h.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
