package policy

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/internal/npzio"
	"github.com/ndp-go/ndp/model"
)

func TestRoundTripAndBadFiles(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(model.Config{ObsDim: 3, Hidden: []int{4}, Head: model.HeadRaw, OutDim: 2}, b)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "p.npz")
	if err := Save(good, Meta{Task: "push", Learner: "ppo"}, m); err != nil {
		t.Fatal(err)
	}
	meta, m2, err := Load(good, b)
	if err != nil {
		t.Fatal(err)
	}
	w1, _ := m.Weights()
	w2, _ := m2.Weights()
	for i := range w1 {
		if !slices.Equal(w1[i], w2[i]) {
			t.Fatalf("weight %d differs after a round trip", i)
		}
	}
	if meta.Format != Format || meta.Task != "push" {
		t.Errorf("meta = %+v", meta)
	}

	writeNPZ := func(name string, meta string, extra func(w *npzio.Writer)) string {
		var buf bytes.Buffer
		w := npzio.NewWriter(&buf)
		if err := w.Add("meta", []byte(meta), len(meta)); err != nil {
			t.Fatal(err)
		}
		if extra != nil {
			extra(w)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	text := filepath.Join(dir, "t.npz")
	if err := os.WriteFile(text, []byte("step,reward\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"not npz", text, "not a policy file"},
		{"missing", filepath.Join(dir, "nope.npz"), "no such file"},
		{"wrong format", writeNPZ("f.npz", `{"format":"other/9"}`, nil), "format"},
		{"unknown field", writeNPZ("u.npz", `{"format":"ndp-policy/1","colour":"red"}`, nil), "unknown field"},
		{"missing weights", writeNPZ("w.npz", `{"format":"ndp-policy/1","model":{"obs_dim":3,"hidden":[4],"head":"raw","out_dim":2},"weights":["phi/0/w","phi/0/b","phi/1/w","phi/1/b"]}`, nil), "missing array"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := Load(tc.path, b); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
