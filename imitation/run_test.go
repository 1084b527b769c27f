package imitation

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/digits"
)

// TestRunMethodsSurvivesAFailingMethod: CNN-DMP fails (a NaN ridge breaks
// its per-demo fits) and the CNN's table and figure are still written.
func TestRunMethodsSurvivesAFailingMethod(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	train, err := digits.Generate(40, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	test, err := digits.Generate(20, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	var log strings.Builder
	err = RunMethods(b, MethodsRun{Cfg: DigitsConfig{BatchSize: 20, Ridge: -1}, Methods: []string{MethodCNNDMP, MethodCNN},
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
