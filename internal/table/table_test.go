package table

import "testing"

func TestMarkdown(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []string
		rows   [][]string
		want   string
	}{
		{"empty", []string{"a"}, nil, "| a   |\n| --- |\n"},
		{"pads", []string{"task", "σ"}, [][]string{{"push", "0.25 ± 0.1"}, {"x"}},
			"| task | σ          |\n| ---- | ---------- |\n| push | 0.25 ± 0.1 |\n| x    |            |\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Markdown(tc.header, tc.rows); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
