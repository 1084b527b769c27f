package model

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// craft builds a checkpoint with the given JSON header and data bytes and a
// valid CRC, as a hostile file would have.
func craft(header string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString(ckptMagic)
	_ = binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	_ = binary.Write(&b, binary.LittleEndian, crc32.ChecksumIEEE(b.Bytes()))
	return b.Bytes()
}

func TestParseCheckpointRejectsCraftedShapes(t *testing.T) {
	for _, tc := range []struct{ name, header string }{
		{"2^31 × 2^31", `{"config":{"net":"mlp","head":"raw","seed":0,"optim":{}},"step":0,"tensors":[{"name":"w","shape":[2147483648,2147483648]}]}`},
		{"overflow to 1", `{"config":{"net":"mlp","head":"raw","seed":0,"optim":{}},"step":0,"tensors":[{"name":"w","shape":[4294967296,4294967296,1]}]}`},
		{"negative", `{"config":{"net":"mlp","head":"raw","seed":0,"optim":{}},"step":0,"tensors":[{"name":"w","shape":[-1]}]}`},
		{"unknown field", `{"config":{"net":"mlp","head":"raw","seed":0,"optim":{}},"step":0,"tensors":[],"extra":1}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := parseCheckpoint(craft(tc.header, make([]byte, 16)), "x.ckpt"); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

// FuzzParseCheckpoint: no file may make the checkpoint reader panic or
// allocate more than the file holds. The target is a header and data that
// it wraps with a valid CRC, so that mutations reach the parser instead of
// failing the checksum; data alone is also parsed as a whole file. Seeded
// with a well-formed checkpoint of two tensors and a crafted 2³¹×2³¹ one.
func FuzzParseCheckpoint(f *testing.F) {
	f.Add(`{"config":{"net":"mlp","head":"raw","seed":0,"optim":{}},"step":3,"tensors":[{"name":"w","shape":[2,3]},{"name":"b","shape":[3]}]}`, make([]byte, 36))
	f.Add(`{"config":{},"step":0,"adam":true,"tensors":[{"name":"w","shape":[2147483648,2147483648]}]}`, []byte{})
	f.Fuzz(func(t *testing.T, header string, data []byte) {
		for _, file := range [][]byte{craft(header, data), data} {
			h, vals, err := parseCheckpoint(file, "fuzz.ckpt")
			if err == nil && len(vals) < len(h.Tensors) {
				t.Fatalf("%d tensors decoded for %d declared", len(vals), len(h.Tensors))
			}
		}
	})
}
