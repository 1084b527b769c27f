// Package run is the life cycle every training command shares: the layout of
// a run directory, refusing to overwrite a run by accident, resuming one
// (its log cut back to its checkpoint), and stopping cleanly on Ctrl-C.
//
// A run directory holds:
//
//	config.json      the full config, defaults applied
//	log.csv          one row per update or epoch
//	checkpoint.ckpt  everything a resume needs, written atomically
//	policy.npz       the trained policy (package policy), at the end
//	done.json        written last: the run finished
//
// The log is written before the checkpoint, so after a crash (even a
// SIGKILL) it may hold rows past the checkpoint; [ResumeLog] drops them, and
// a resumed run then writes the same rows an uninterrupted one would.
package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
)

// Files of a run directory.
const (
	ConfigFile     = "config.json"
	LogFile        = "log.csv"
	CheckpointFile = "checkpoint.ckpt"
	DoneFile       = "done.json"
	PolicyFile     = "policy.npz" // the trained policy (package policy), written at the end
)

// Mode says what to do with what a run directory already holds.
type Mode int

const (
	// Fresh starts a new run and refuses a directory that holds one.
	Fresh Mode = iota
	// Resume continues the run in the directory from its checkpoint.
	Resume
	// Force starts a new run, deleting the one in the directory.
	Force
	// Auto resumes when there is a checkpoint and starts fresh otherwise
	// (grids: rerunning the same command continues where it stopped).
	Auto
)

// ErrExists is wrapped by Prepare's refusal to start a fresh run in a
// directory that holds one.
var ErrExists = errors.New("already holds a run")

// ErrInterrupted is returned by training that stopped on a signal after
// writing its checkpoint.
var ErrInterrupted = errors.New("interrupted")

// Prepare creates dir if needed and applies mode. It reports whether the
// run is to be resumed from dir's checkpoint. Call undo when setting the run
// up fails before training starts: it removes dir again if Prepare created
// it, so that a rejected run leaves nothing behind.
func Prepare(dir string, mode Mode) (resume bool, undo func(), err error) {
	if dir == "" {
		return false, nil, errors.New("run: no run directory given")
	}
	_, statErr := os.Stat(dir)
	undo = func() {}
	if errors.Is(statErr, os.ErrNotExist) {
		undo = func() { os.RemoveAll(dir) }
	}
	resume, err = prepare(dir, mode)
	if err != nil {
		undo()
		return false, nil, err
	}
	return resume, undo, nil
}

func prepare(dir string, mode Mode) (resume bool, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("run: %w", err)
	}
	// Temp files of atomic writes that a crash or kill cut short: one run
	// owns its directory, so none of them is being written now.
	stale, _ := filepath.Glob(filepath.Join(dir, ".*.tmp*"))
	for _, f := range stale {
		os.Remove(f)
	}
	has := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name))
		return err == nil
	}
	ckpt := has(CheckpointFile)
	held := ckpt || has(ConfigFile) || has(LogFile) || has(DoneFile)
	switch mode {
	case Resume:
		if !ckpt {
			return false, fmt.Errorf("run: nothing to resume in %s (no %s)", dir, CheckpointFile)
		}
		return true, nil
	case Auto:
		if ckpt {
			return true, nil
		}
	case Fresh:
		if held {
			return false, fmt.Errorf("run: %s %w; pass --resume to continue it or --force to start it over", dir, ErrExists)
		}
		return false, nil
	}
	for _, f := range []string{DoneFile, CheckpointFile, LogFile, ConfigFile} { // Force, or Auto without a checkpoint
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return false, fmt.Errorf("run: %w", err)
		}
	}
	return false, nil
}

// SameConfig returns an error naming dir, with both configs as JSON, when
// the config saved in a run directory differs from the one a resume was
// asked to continue with (both with defaults applied).
func SameConfig(dir string, saved, now any) error {
	if reflect.DeepEqual(saved, now) {
		return nil
	}
	a, _ := json.Marshal(saved)
	b, _ := json.Marshal(now)
	return fmt.Errorf("resuming %s: its config differs from this one:\n  saved: %s\n  now:   %s", dir, a, b)
}

// Finished reports whether the run in dir wrote its DoneFile.
func Finished(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, DoneFile))
	return err == nil
}

// OnSignal returns a context that is cancelled by the first SIGINT or
// SIGTERM; training then finishes its step, checkpoints and returns
// [ErrInterrupted]. After that first signal the default handling is
// restored, so a second Ctrl-C ends the process at once.
func OnSignal(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}

// ResumeHint is the message for a run stopped by a signal.
func ResumeHint(dir string) string {
	return fmt.Sprintf("interrupted; the checkpoint in %s is up to date: rerun the same command with --resume to continue", dir)
}

// Commit returns the VCS revision the running binary was built from, with
// "+modified" for a dirty tree and "+nosimd" for a build without
// GOEXPERIMENT=simd (the go backend's kernels round differently without
// it, so runs are reproduced exactly only by a build with the same flag),
// or "unknown" (results files record it).
func Commit() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return commitOf(bi.Settings)
}

// commitOf is Commit for the given build settings.
func commitOf(settings []debug.BuildSetting) string {
	rev, dirty, simd := "", false, false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		case "GOEXPERIMENT":
			simd = slices.Contains(strings.Split(s.Value, ","), "simd")
		}
	}
	if rev == "" {
		return "unknown"
	}
	if dirty {
		rev += "+modified"
	}
	if !simd {
		rev += "+nosimd"
	}
	return rev
}
