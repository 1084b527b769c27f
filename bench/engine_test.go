package bench

import (
	"strings"
	"testing"

	"github.com/ndp-go/ndp/backend"
)

func TestEngine(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, only, conv string
		rows             int
		err              string
	}{
		{"inference rows", "policy inference", "", 2, ""},
		{"one mlp row", "batch 64", "", 1, ""},
		{"no row", "no such benchmark", "", 0, ""},
		{"bad lowering", "", "fft", 0, "fft"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := Engine(b, Options{Reps: 2, Only: tc.only, Conv: tc.conv})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one naming %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != tc.rows {
				t.Fatalf("%d rows, want %d", len(rows), tc.rows)
			}
			for _, r := range rows {
				if !strings.Contains(r.Name, tc.only) || r.Median <= 0 || r.Min > r.Median {
					t.Errorf("row %+v", r)
				}
			}
			if md := Markdown(rows); strings.Count(md, "\n") != len(rows)+2 {
				t.Errorf("table of %d rows:\n%s", len(rows), md)
			}
		})
	}
	if _, err := Engine(b, Options{Reps: 0}); err == nil {
		t.Error("0 reps: want an error")
	}
}
