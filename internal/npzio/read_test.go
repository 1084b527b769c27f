package npzio

import (
	"bytes"
	"strings"
	"testing"
)

var npy = RawNPY

// archive zips entries (name, bytes), stored uncompressed when store is set.
func archive(t testing.TB, store bool, name string, data []byte) []byte {
	t.Helper()
	b, err := RawZip(store, Entry{name, data})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readOne(data []byte, maxElems int) (*Array, error) {
	zr, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	return zr.Read("x", maxElems)
}

var six = []byte{1, 2, 3, 4, 5, 6}

func TestReadHeaders(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		version      byte
		data         []byte
		want         string // "" for success, else a substring of the error
	}{
		{"numpy's own", "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }          \n", 1, six, ""},
		{"keys in another order", "{'shape': (2, 3), 'fortran_order': False, 'descr': '|u1'}\n", 1, six, ""},
		{"no spaces", "{'descr':'|u1','fortran_order':False,'shape':(2,3)}", 1, six, ""},
		{"double quotes, trailing commas", `{"descr": "|u1", "fortran_order": False, "shape": (6,),}` + "\n", 1, six, ""},
		{"version 2", "{'descr': '|u1', 'fortran_order': False, 'shape': (6,)}\n", 2, six, ""},
		{"version 3", "{'descr': '|u1', 'fortran_order': False, 'shape': (6,)}\n", 3, six, ""},
		{"fortran 1-D", "{'descr': '|u1', 'fortran_order': True, 'shape': (6,)}\n", 1, six, ""},
		{"unterminated tuple", "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3\n", 1, six, "unterminated tuple"},
		{"unterminated dict", "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3)", 1, six, "want ',' or '}'"},
		{"missing key", "{'descr': '|u1', 'shape': (6,)}", 1, six, "want the keys"},
		{"unknown key", "{'descr': '|u1', 'fortran_order': False, 'shape': (6,), 'x': 1}", 1, six, `unknown key "x"`},
		{"repeated key", "{'descr': '|u1', 'descr': '|u1'}", 1, six, "repeated"},
		{"negative dimension", "{'descr': '|u1', 'fortran_order': False, 'shape': (-6,)}", 1, six, "non-negative integer"},
		{"huge dimension", "{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999999999999,)}", 1, six, "out of range"},
		{"scalar", "{'descr': '|u1', 'fortran_order': False, 'shape': ()}", 1, six, "scalar"},
		{"fortran 2-D", "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3)}", 1, six, "Fortran"},
		{"string dtype", "{'descr': '<U4', 'fortran_order': False, 'shape': (6,)}", 1, six, "unsupported dtype"},
		{"object dtype", "{'descr': '|O', 'fortran_order': False, 'shape': (6,)}", 1, six, "unsupported dtype"},
		{"garbage after", "{'descr': '|u1', 'fortran_order': False, 'shape': (6,)} x", 1, six, "after the dict"},
		{"short data", "{'descr': '|u1', 'fortran_order': False, 'shape': (7,)}", 1, six, "truncated data"},
		{"long data", "{'descr': '|u1', 'fortran_order': False, 'shape': (5,)}", 1, six, "bytes after the data"},
		{"over the element limit", "{'descr': '|u1', 'fortran_order': False, 'shape': (1000, 1000)}", 1, six, "more than the 100 elements"},
		{"claims 4 GiB", "{'descr': '<f8', 'fortran_order': False, 'shape': (536870912,)}", 2, six, "more than the 100"},
		{"version 9", "{}", 9, nil, "unsupported npy format version 9"},
		{"header length past the end", "", 1, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			entry := npy(tc.version, tc.header, tc.data)
			if tc.name == "header length past the end" {
				entry = []byte("\x93NUMPY\x01\x00\xff\xff{'de")
				tc.want = "truncated"
			}
			for _, store := range []bool{true, false} {
				a, err := readOne(archive(t, store, "x.npy", entry), 100)
				switch {
				case tc.want == "" && err != nil:
					t.Fatalf("store=%v: %v", store, err)
				case tc.want == "" && (a.Len() != 6 || a.At(5) != 6):
					t.Fatalf("store=%v: read %d elements, last %v", store, a.Len(), a.At(a.Len()-1))
				case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
					t.Fatalf("store=%v: error %v, want one containing %q", store, err, tc.want)
				case tc.want != "" && !strings.Contains(err.Error(), `array "x"`):
					t.Fatalf("store=%v: error %q does not name the array", store, err)
				}
			}
		})
	}
}

// TestReadChecksCRC flips one data byte of a stored entry: archive/zip only
// notices if the reader reads on to the end of the entry.
func TestReadChecksCRC(t *testing.T) {
	data := archive(t, true, "x.npy", npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (6,)}\n", six))
	i := bytes.Index(data, six)
	if i < 0 {
		t.Fatal("data not found in the stored archive")
	}
	data[i+2] ^= 0xff
	if _, err := readOne(data, 100); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("flipped byte: error %v, want a checksum error", err)
	}
}

func TestReadNotZip(t *testing.T) {
	if _, err := readOne([]byte("hello"), 100); err == nil || !strings.Contains(err.Error(), "not an npz") {
		t.Fatalf("error %v", err)
	}
}

// FuzzRead: no input may panic or allocate beyond the element bound.
func FuzzRead(f *testing.F) {
	f.Add(archive(f, true, "x.npy", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", make([]byte, 24))))
	f.Add(archive(f, false, "x.npy", npy(2, "{'shape': (6,), 'fortran_order': False, 'descr': '|u1'}", six)))
	f.Add(archive(f, true, "x.npy", npy(3, "{'descr':'>i2','fortran_order':False,'shape':(3,)}", six)))
	f.Add(archive(f, true, "x.npy", npy(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (536870912,)}", six)))
	f.Add(archive(f, true, "x.npy", npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3", six)))
	f.Add(archive(f, true, "x.npy", npy(1, "{'descr': '|u1', 'fortran_order': True, 'shape': (6,)}", six)))
	f.Add(archive(f, false, "x.npy", npy(1, "{'descr': '<U4', 'fortran_order': False, 'shape': (1,)}", make([]byte, 16))))
	f.Add([]byte("\x93NUMPY\x01\x00\xff\xff{'de"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := readOne(data, 1<<20)
		if err == nil {
			for i := range a.Len() {
				_ = a.At(i)
			}
		}
	})
}

// TestReadLyingShape: a header that claims 4 GiB within the element bound is
// refused from the entry's size (stored) or after the data run out
// (compressed), without allocating the claim.
func TestReadLyingShape(t *testing.T) {
	entry := npy(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (536870912,)}", six)
	for _, store := range []bool{true, false} {
		if _, err := readOne(archive(t, store, "x.npy", entry), 1<<30); err == nil || !strings.Contains(err.Error(), "truncated data") {
			t.Errorf("store=%v: error %v, want truncated data", store, err)
		}
	}
}
