// Package table renders the Markdown tables that ndp prints and writes into
// docs: one renderer, so every table lines up the same way.
package table

import (
	"strings"
	"unicode/utf8"
)

// Markdown renders header and rows as a GitHub-flavoured Markdown table
// with columns padded to equal width. Rows shorter than the header are
// padded with empty cells; cells must not contain '|' or newlines.
func Markdown(header []string, rows [][]string) string {
	w := make([]int, len(header))
	for i, h := range header {
		w[i] = max(3, utf8.RuneCountInString(h))
	}
	for _, r := range rows {
		for i := range min(len(r), len(w)) {
			w[i] = max(w[i], utf8.RuneCountInString(r[i]))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for i := range w {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			b.WriteString(" " + c + strings.Repeat(" ", w[i]-utf8.RuneCountInString(c)) + " |")
		}
		b.WriteString("\n")
	}
	line(header)
	sep := make([]string, len(w))
	for i := range w {
		sep[i] = strings.Repeat("-", w[i])
	}
	line(sep)
	for _, r := range rows {
		line(r)
	}
	return b.String()
}
