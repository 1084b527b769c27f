package runlog

import (
	"bytes"
	"testing"
)

// FuzzParseCSV: no log may make ParseCSV panic; every column it returns has
// one value per row.
func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("global_step,update,success\n1024,1,0.5\n2048,2,\n"))
	f.Add([]byte("a,a\n1,2\n"))
	f.Add([]byte("a,b\n1\n"))
	f.Add([]byte("a\n\"unterminated\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		cols, names, err := ParseCSV(bytes.NewReader(data), "fuzz.csv")
		if err != nil {
			return
		}
		if len(cols) != len(names) {
			t.Fatalf("%d columns, %d names", len(cols), len(names))
		}
		for _, c := range names[1:] {
			if len(cols[c]) != len(cols[names[0]]) {
				t.Fatalf("column %q has %d values, %q has %d", c, len(cols[c]), names[0], len(cols[names[0]]))
			}
		}
	})
}
