package run

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestPrepare(t *testing.T) {
	type state int
	const (
		empty state = iota
		partial
		withCkpt
	)
	for _, tc := range []struct {
		name       string
		have       state
		mode       Mode
		wantResume bool
		wantErr    string
		wantKept   bool // the old files survive
	}{
		{"fresh in empty", empty, Fresh, false, "", false},
		{"fresh refuses a run", withCkpt, Fresh, false, "--force", true},
		{"fresh refuses a log", partial, Fresh, false, "--resume", true},
		{"resume needs a checkpoint", partial, Resume, false, "nothing to resume", true},
		{"resume", withCkpt, Resume, true, "", true},
		{"force wipes", withCkpt, Force, false, "", false},
		{"auto resumes", withCkpt, Auto, true, "", true},
		{"auto restarts a run without checkpoint", partial, Auto, false, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "r")
			if tc.have != empty {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				files := []string{LogFile, ConfigFile}
				if tc.have == withCkpt {
					files = append(files, CheckpointFile)
				}
				for _, f := range files {
					if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			resume, _, err := Prepare(dir, tc.mode)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if resume != tc.wantResume {
				t.Errorf("resume = %v, want %v", resume, tc.wantResume)
			}
			_, statErr := os.Stat(filepath.Join(dir, LogFile))
			if kept := statErr == nil; kept != tc.wantKept && tc.have != empty {
				t.Errorf("log kept = %v, want %v", kept, tc.wantKept)
			}
		})
	}
}

func TestPrepareCleansAndUndoes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	_, undo, err := Prepare(dir, Fresh)
	if err != nil {
		t.Fatal(err)
	}
	undo()
	if _, err := os.Stat(dir); err == nil {
		t.Error("undo left the directory Prepare created")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, ".checkpoint.ckpt.tmp123")
	if err := os.WriteFile(stale, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, undo, err = Prepare(dir, Auto)
	if err != nil {
		t.Fatal(err)
	}
	undo() // the directory existed: kept
	if _, err := os.Stat(stale); err == nil {
		t.Error("a stale temp file survived Prepare")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Error("undo removed a directory Prepare did not create")
	}
}

func TestCommitOf(t *testing.T) {
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "abc123"}
	simd := debug.BuildSetting{Key: "GOEXPERIMENT", Value: "simd"}
	for _, tc := range []struct {
		name     string
		settings []debug.BuildSetting
		want     string
	}{
		{"no vcs", []debug.BuildSetting{simd}, "unknown"},
		{"clean", []debug.BuildSetting{rev, simd}, "abc123"},
		{"dirty", []debug.BuildSetting{rev, simd, {Key: "vcs.modified", Value: "true"}}, "abc123+modified"},
		{"no simd", []debug.BuildSetting{rev}, "abc123+nosimd"},
		{"other experiments", []debug.BuildSetting{rev, {Key: "GOEXPERIMENT", Value: "greenteagc,simd"}}, "abc123"},
	} {
		if got := commitOf(tc.settings); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
