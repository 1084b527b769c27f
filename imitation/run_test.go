package imitation

import (
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/digits"
	"github.com/ndp-go/ndp/run"
)

// TestRunMethodsSurvivesAFailingMethod: CNN-DMP fails (a NaN ridge breaks
// its per-demo fits) and the CNN's table and figure are still written.
func TestRunMethodsSurvivesAFailingMethod(t *testing.T) {
	b, train, test := goAndSets(t, 40, 20)
	root := t.TempDir()
	var log strings.Builder
	err := RunMethods(b, MethodsRun{Cfg: DigitsConfig{BatchSize: 20, Ridge: -1}, Methods: []string{MethodCNNDMP, MethodCNN},
		Epochs: 1, Train: train, Test: test, Root: root, Draw: 2, Log: &log})
	if err == nil || !strings.Contains(err.Error(), "training cnn-dmp") {
		t.Fatalf("error %v, want the cnn-dmp failure", err)
	}
	table, rerr := os.ReadFile(filepath.Join(root, "table.md"))
	if rerr != nil || !strings.Contains(string(table), "CNN") || strings.Contains(string(table), "CNN-DMP") {
		t.Errorf("table after a failed method: %v\n%s", rerr, table)
	}
	if _, err := os.Stat(filepath.Join(root, "figure4.png")); err != nil {
		t.Errorf("no figure after a failed method: %v", err)
	}
	if !strings.Contains(log.String(), "cnn-dmp failed") {
		t.Errorf("log does not report the failure:\n%s", log.String())
	}
}

// TestPretrainCopiesTheTrunk: after Pretrain the method's conv weights are
// the classifier's (which has learnt something), its other weights untouched.
func TestPretrainCopiesTheTrunk(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	train, err := digits.Generate(100, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDigits(DigitsConfig{Method: MethodNDP, BatchSize: 20, LR: 3e-3}, b)
	if err != nil {
		t.Fatal(err)
	}
	before, err := d.Model.Weights()
	if err != nil {
		t.Fatal(err)
	}
	acc, loss, err := d.Pretrain(b, train, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	after, err := d.Model.Weights()
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.3 || !(loss < math.Log(10)) {
		t.Errorf("classifier: accuracy %.2f, loss %.3f after 10 epochs; want above chance (0.1, ln 10)", acc, loss)
	}
	for i, name := range d.Model.Spec.Names {
		same := slices.Equal(before[i], after[i])
		if trunk := strings.HasPrefix(name, trunkPrefix); trunk == same {
			t.Errorf("%s: changed %v, want %v", name, !same, trunk)
		}
	}
}

// TestRunDigitsResumes: a run stopped after 2 epochs and resumed to 3 logs
// the same rows and ends with the same held-out loss as 3 epochs straight,
// for each kind of method state (standardised targets or head, a pretrained
// trunk).
func TestRunDigitsResumes(t *testing.T) {
	b, train, test := goAndSets(t, 40, 20)
	for _, cfg := range []DigitsConfig{
		{Method: MethodNDP, BatchSize: 20, PretrainEpochs: 1},
		{Method: MethodNDP, BatchSize: 20, Standardise: true},
		{Method: MethodCNN, BatchSize: 20, Standardise: true},
		{Method: MethodCNNDMP, BatchSize: 20},
	} {
		name := cfg.Method
		if cfg.Standardise {
			name += "-standardised"
		}
		t.Run(name, func(t *testing.T) {
			train1 := func(dir string, epochs int, mode run.Mode) *DigitsResult {
				t.Helper()
				res, err := RunDigits(b, DigitsRun{Cfg: cfg, Epochs: epochs, Train: train, Test: test, Dir: dir, Mode: mode})
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			straight, stopped := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
			want := train1(straight, 3, run.Fresh)
			train1(stopped, 2, run.Fresh)
			if _, err := RunDigits(b, DigitsRun{Cfg: DigitsConfig{Method: cfg.Method, BatchSize: 20, LR: 0.1}, Epochs: 3,
				Train: train, Test: test, Dir: stopped, Mode: run.Resume}); err == nil || !strings.Contains(err.Error(), "config differs") {
				t.Errorf("resume with another config: %v, want a config mismatch", err)
			}
			got := train1(stopped, 3, run.Resume)
			if got.Test.MeanOverClasses != want.Test.MeanOverClasses || got.Train.MeanOverClasses != want.Train.MeanOverClasses || got.Epochs != 3 {
				t.Errorf("resumed: test %v, train %v, %d epochs; straight: test %v, train %v",
					got.Test.MeanOverClasses, got.Train.MeanOverClasses, got.Epochs, want.Test.MeanOverClasses, want.Train.MeanOverClasses)
			}
			delete(got.Extra, "pretrain_seconds")
			delete(want.Extra, "pretrain_seconds")
			if !maps.Equal(got.Extra, want.Extra) {
				t.Errorf("resumed extra %v, straight %v", got.Extra, want.Extra)
			}
			if a, b := logColumns(t, straight), logColumns(t, stopped); !slices.Equal(a, b) {
				t.Errorf("resumed log\n%v\nstraight\n%v", b, a)
			}
		})
	}
}

// logColumns returns a run's log rows without the wall-time column.
func logColumns(t *testing.T, dir string) []string {
	t.Helper()
	f, err := os.ReadFile(filepath.Join(dir, run.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(string(f)), "\n") {
		cells := strings.Split(line, ",")
		rows = append(rows, strings.Join(cells[:len(cells)-1], ","))
	}
	return rows
}
