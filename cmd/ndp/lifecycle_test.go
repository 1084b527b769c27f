package main

import (
	"bytes"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ndp-go/ndp/runlog"
)

// TestMain lets the test binary act as the ndp command, so that lifecycle
// tests can kill a real child process.
func TestMain(m *testing.M) {
	if os.Getenv("NDP_TEST_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestStopAndResumeIsExact stops `rl train` part-way, once with SIGINT
// (clean: checkpoint, exit 130, a message naming --resume) and once with
// SIGKILL (the log may be ahead of the checkpoint), resumes each, and
// checks that both logs equal the log of an uninterrupted run, timings
// aside.
func TestStopAndResumeIsExact(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	args := func(dir string) []string {
		return []string{"rl", "train", "--task", "push-easy", "--num-envs", "2", "--rollout-steps", "50", "--minibatches", "2",
			"--epochs", "1", "--eval-every", "4", "--eval-episodes", "2", "--steps", "3000", "--checkpoint-every", "3", "--quiet", "--out", dir}
	}
	root := t.TempDir()
	ref := filepath.Join(root, "ref")
	if out, err := runNDP(t, args(ref)...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := logRows(t, ref)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := filepath.Join(root, strings.ReplaceAll(sig.String(), " ", "-"))
			cmd := exec.Command(os.Args[0], args(dir)...)
			cmd.Env = append(os.Environ(), "NDP_TEST_AS_MAIN=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(2 * time.Minute)
			for countRows(filepath.Join(dir, "log.csv")) < 7 {
				if time.Now().After(deadline) {
					_ = cmd.Process.Kill()
					t.Fatalf("the child wrote no 7 log rows in 2 minutes\n%s", stderr.String())
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var ee *exec.ExitError
			switch {
			case !errors.As(err, &ee):
				t.Fatalf("child ended with %v, want a signal's exit\n%s", err, stderr.String())
			case sig == syscall.SIGINT && (ee.ExitCode() != 130 || !strings.Contains(stderr.String(), "--resume")):
				t.Fatalf("after SIGINT: exit %d, stderr %q; want 130 and a hint naming --resume", ee.ExitCode(), stderr.String())
			}
			if countRows(filepath.Join(dir, "log.csv")) >= len(want) {
				t.Skip("the child finished before the signal; nothing was interrupted")
			}
			if out, err := runNDP(t, append(args(dir), "--resume")...); err != nil {
				t.Fatalf("resume: %v\n%s", err, out)
			}
			got := logRows(t, dir)
			if len(got) != len(want) {
				t.Fatalf("resumed log has %d rows, uninterrupted %d", len(got), len(want))
			}
			for i := range want {
				if !slices.EqualFunc(got[i], want[i], func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }) {
					t.Fatalf("row %d differs after resume:\n got  %v\n want %v", i+1, got[i], want[i])
				}
			}
		})
	}
}

// logRows reads a run's log without its timing columns.
func logRows(t *testing.T, dir string) [][]float64 {
	t.Helper()
	cols, names, err := runlog.ReadCSV(filepath.Join(dir, "log.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]float64
	for _, n := range names {
		if n == "fps" || strings.HasPrefix(n, "time_") {
			continue
		}
		for i, v := range cols[n] {
			if i == len(rows) {
				rows = append(rows, nil)
			}
			rows[i] = append(rows[i], v)
		}
	}
	return rows
}

func countRows(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return max(0, bytes.Count(b, []byte("\n"))-1)
}
