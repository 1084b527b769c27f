package digits

import (
	"testing"
)

// FuzzRead: no file may make Read panic or allocate beyond its bounds; what
// it accepts must validate.
func FuzzRead(f *testing.F) {
	f.Add(npzOf(f, validArrays(2)))
	f.Add(truncatedLabels(f))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := readBytes(data)
		if err == nil {
			if err := d.Validate(); err != nil {
				t.Fatalf("Read accepted a dataset that does not validate: %v", err)
			}
		}
	})
}
