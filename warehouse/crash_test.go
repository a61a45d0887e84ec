package warehouse

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yhcr/carecast/pseudonymise"
)

// childEnv makes the test binary a child process that works on a warehouse
// and stops at a point, for its parent to kill it there: "<mode> <dir>".
const childEnv = "CARECAST_WAREHOUSE_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(child(spec))
	}
	os.Exit(m.Run())
}

// childStartID is the id of the run a child writes: later than the runs
// the tests commit before.
const childStartID = "20261124T183000Z-d20261123"

// child runs in the child process. It prints "at <point>" when it reaches
// the point it was asked to stop at, then waits to be killed.
func child(spec string) int {
	point, dir, _ := strings.Cut(spec, " ")
	stop := func(at string) {
		if at == point {
			fmt.Printf("at %s\n", at)
			time.Sleep(time.Minute)
			os.Exit(1) // never killed: the parent failed
		}
	}
	fail := func(err error) int { fmt.Println("error:", err); return 1 }
	w, err := Open(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		return fail(err)
	}
	l, err := w.Lock(context.Background(), 0, Holder{PID: os.Getpid(), Host: "child", Job: "nightly", RunID: childStartID, Since: time.Now()})
	if err != nil {
		return fail(err)
	}
	defer l.Unlock()
	stop("locked")
	testHook = stop
	run, err := w.Begin(childStartID)
	if err != nil {
		return fail(err)
	}
	if point == "disk-full" {
		// Files may not grow past 64 KiB: writes fail with EFBIG, as on a
		// full disk, and the run aborts as the pipeline would.
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: 64 << 10, Max: 64 << 10}); err != nil {
			return fail(err)
		}
		err := writeChildRun(w, run)
		if err == nil {
			return fail(errors.New("the run succeeded on a full disk"))
		}
		if aerr := run.Abort(); aerr != nil {
			return fail(aerr)
		}
		fmt.Println("at disk-full")
		return 0
	}
	if err := writeChildRun(w, run); err != nil {
		return fail(err)
	}
	stop("committed")
	return 0
}

// writeChildRun writes and commits the child's run, stopping at points.
func writeChildRun(w *Warehouse, run *Run) error {
	aw, err := run.Activity()
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(3, 1))
	ids := genIDs(100)
	var a pseudonymise.ActivityRow
	for i := range 50000 {
		genActivity(r, ids, &a)
		if err := aw.Write(&a); err != nil {
			aw.Close()
			return err
		}
		if i == 30000 {
			testHook("mid-write")
		}
	}
	if err := aw.Close(); err != nil {
		return err
	}
	testHook("written")
	return run.Commit(&Manifest{Job: "nightly"})
}

// startChild starts a child that stops at point, and returns once it is
// there. The child is killed at the end of the test at the latest.
func startChild(t *testing.T, dir, point string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+point+" "+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if want := "at " + point + "\n"; line != want {
		t.Fatalf("child said %q (%v), want %q", line, err, want)
	}
	go io.Copy(io.Discard, out)
	return cmd
}

// kill kills the child with SIGKILL, as kill -9 would.
func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatal(err)
	}
	cmd.Wait()
}

// TestCrash kills a run at each point of its life and checks that CURRENT
// and the previous run are byte-identical, that the lock of the dead
// process is taken over, and that CleanStaging removes what it left.
func TestCrash(t *testing.T) {
	for _, point := range []string{"mid-write", "written", "staged", "renamed", "current-written", "disk-full"} {
		t.Run(point, func(t *testing.T) {
			dir := t.TempDir()
			w, err := Open(dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			prev := runID(t, "2026-11-23T18:30:00Z", "2026-11-22")
			commitRun(t, w, prev)
			before := hashTree(t, dir)

			kill(t, startChild(t, dir, point))

			after := hashTree(t, dir)
			if len(after) <= len(before) && point != "disk-full" {
				t.Fatalf("the child left no files: the test did not test")
			}
			for path, sum := range before {
				if path != lockFile && after[path] != sum {
					t.Errorf("%s changed", path)
				}
			}
			if point == "disk-full" {
				// The failed run removed its own staging.
				if entries, _ := os.ReadDir(filepath.Join(dir, stagingDir)); len(entries) != 0 {
					t.Errorf("staging holds %d entries after the run aborted", len(entries))
				}
			}
			l, err := w.Lock(context.Background(), 0, Holder{PID: os.Getpid()})
			if err != nil {
				t.Fatalf("lock after the holder died: %v", err)
			}
			defer l.Unlock()
			if err := w.CleanStaging(); err != nil {
				t.Fatal(err)
			}
			if cur, err := w.Current(); cur != prev || err != nil {
				t.Errorf("Current() = %q, %v; want %q", cur, err, prev)
			}
			if runs, err := w.Runs(); len(runs) != 1 || runs[0] != prev || err != nil {
				t.Errorf("Runs() = %v, %v; want [%s]", runs, err, prev)
			}
			left := hashTree(t, dir)
			delete(left, lockFile)
			delete(before, lockFile)
			if len(left) != len(before) {
				t.Errorf("after CleanStaging %d files, want the %d before the run", len(left), len(before))
			}
			// The warehouse takes the next run as usual.
			commitRun(t, w, runID(t, "2026-11-24T19:00:00Z", "2026-11-23"))
		})
	}
}

// TestCommitPublishes checks the run a child commits completely.
func TestCommitPublishes(t *testing.T) {
	dir := t.TempDir()
	kill(t, startChild(t, dir, "committed"))
	w, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cur, err := w.Current(); cur != childStartID || err != nil {
		t.Fatalf("Current() = %q, %v; want %s", cur, err, childStartID)
	}
	m, err := ReadManifest(w.RunDir(childStartID))
	if err != nil {
		t.Fatal(err)
	}
	if m.Tables["activity"] != 50000 {
		t.Errorf("manifest: activity rows = %d, want 50000", m.Tables["activity"])
	}
	var n int64
	db := openDuckDB(t)
	src := sqlString(filepath.Join(w.RunDir(childStartID), "activity", "**", "*.parquet"))
	if err := db.QueryRow(`SELECT count(*) FROM read_parquet(` + src + `, hive_partitioning = true)`).Scan(&n); err != nil || n != 50000 {
		t.Errorf("DuckDB reads %d rows, %v; want 50000", n, err)
	}
}

// TestLockContention has a child hold the lock: a second writer gets
// ErrLocked naming the child, and takes the lock over once the child is
// killed, also while waiting for it.
func TestLockContention(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	me := Holder{PID: os.Getpid(), Host: "parent", Job: "manual"}
	cmd := startChild(t, dir, "locked")

	_, err = w.Lock(context.Background(), 0, me)
	var locked *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &locked) {
		t.Fatalf("Lock while held = %v, want ErrLocked", err)
	}
	if locked.Holder.PID != cmd.Process.Pid || locked.Holder.RunID != childStartID {
		t.Errorf("holder = %+v, want pid %d, run %s", locked.Holder, cmd.Process.Pid, childStartID)
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("pid %d", cmd.Process.Pid)) || !strings.Contains(msg, "job nightly") {
		t.Errorf("message %q does not name the holder", msg)
	}

	start := time.Now()
	if _, err := w.Lock(context.Background(), 300*time.Millisecond, me); !errors.Is(err, ErrLocked) {
		t.Fatalf("Lock with timeout while held = %v, want ErrLocked", err)
	}
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Errorf("gave up after %v, before the timeout", waited)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := w.Lock(ctx, time.Minute, me); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Lock with a cancelled context = %v, want its error", err)
	}

	// The child dies while this writer waits: it gets the lock.
	go func() { time.Sleep(200 * time.Millisecond); cmd.Process.Kill() }()
	l, err := w.Lock(context.Background(), 30*time.Second, me)
	if err != nil {
		t.Fatalf("Lock after the holder died: %v", err)
	}
	h := readHolder(l.f)
	if h.PID != os.Getpid() || h.Host != "parent" {
		t.Errorf("lock file names %+v, want this process", h)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l, err = w.Lock(context.Background(), 0, me)
	if err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}
	l.Unlock()
}
