package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ndp-go/ndp/demos"
	"github.com/ndp-go/ndp/internal/npzio"
	"github.com/ndp-go/ndp/ppo"
)

// hostileFiles writes the malformed inputs of the hostile-input probes into
// dir and returns their paths by name.
func hostileFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	paths := map[string]string{}
	write := func(name string, data []byte) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	npy := npzio.RawNPY
	stored := func(name string, entry []byte) []byte {
		b, err := npzio.RawZip(true, npzio.Entry{Name: name, Data: entry})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// A 4 GiB claim in a few hundred bytes, and a stored entry with one flipped byte.
	write("claims4g.npz", stored("images.npy", npy(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (536870912,)}", []byte{1, 2, 3})))
	flipped := stored("images.npy", npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (6,)}\n", []byte{1, 2, 3, 4, 5, 6}))
	flipped[bytes.Index(flipped, []byte{1, 2, 3, 4, 5, 6})+2] ^= 0xff
	write("flipped.npz", flipped)
	write("unterminated.npz", stored("images.npy", npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (6,", nil)))

	// Demonstrations whose actions are 1e30.
	d := &demos.Demos{Task: "push", ObsDim: 1, ActDim: 1, Obs: []float32{0, 0}, Actions: []float32{1e30, 0},
		Positions: []float32{0, 0, 0, 0, 0, 0}, Episode: []int32{0, 0}, Step: []int32{0, 1}, Success: []bool{true}}
	if err := d.Save(filepath.Join(dir, "huge-actions.npz")); err != nil {
		t.Fatal(err)
	}
	paths["huge-actions.npz"] = filepath.Join(dir, "huge-actions.npz")

	// Run directories: a config asking for n = 1e8, one with a misspelt
	// field, and one whose checkpoint is crafted (valid CRC, a 2³¹×2³¹ tensor).
	cfg := ppo.Config{Algo: ppo.AlgoNDP, Task: "push-easy", TotalSteps: 1000}.WithDefaults()
	mkRun := func(name string, edit func(js string) string, ckpt []byte) {
		rd := filepath.Join(dir, name)
		if err := os.MkdirAll(rd, 0o755); err != nil {
			t.Fatal(err)
		}
		c := cfg
		js, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(rd, "config.json"), []byte(edit(string(js))), 0o644); err != nil {
			t.Fatal(err)
		}
		if ckpt != nil {
			if err := os.WriteFile(filepath.Join(rd, "checkpoint.ckpt"), ckpt, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		paths[name] = rd
	}
	mkRun("run-n1e8", func(js string) string { return strings.Replace(js, `"n":6`, `"n":100000000`, 1) }, nil)
	mkRun("run-typo", func(js string) string { return strings.Replace(js, `"gamma":`, `"gama":0.9,"gamma":`, 1) }, nil)
	var ck bytes.Buffer
	ck.WriteString("NDPCKPT1")
	hdr := `{"config":{"net":"mlp","head":"raw","seed":0,"optim":{}},"step":0,"tensors":[{"name":"w","shape":[2147483648,2147483648]}]}`
	_ = binary.Write(&ck, binary.LittleEndian, uint64(len(hdr)))
	ck.WriteString(hdr)
	ck.Write(make([]byte, 64))
	_ = binary.Write(&ck, binary.LittleEndian, crc32.ChecksumIEEE(ck.Bytes()))
	mkRun("run-crafted", func(js string) string { return js }, ck.Bytes())
	return paths
}

// TestHostileInputs runs ndp as a child process on each bad file or flag of
// the hostile-input probes: each must exit 1 with a message naming the
// problem, print no stack trace and leave nothing behind at its output path.
func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	f := hostileFiles(t, dir)
	out := filepath.Join(dir, "out") // must not exist after any case
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"npz claims 4 GiB", []string{"digits", "show", "--data", f["claims4g.npz"], "--out", out}, "truncated data"},
		{"npz flipped byte", []string{"digits", "show", "--data", f["flipped.npz"], "--out", out}, "checksum"},
		{"npz unterminated tuple", []string{"digits", "show", "--data", f["unterminated.npz"], "--out", out}, "unterminated tuple"},
		{"dmp --n 1e6", []string{"dmp", "--n", "1000000", "--out", out}, "(N+3)·T·l"},
		{"dmp --T 1e7", []string{"dmp", "--T", "10000000", "--out", out}, "T·l"},
		{"dmp --grid 1e5", []string{"dmp", "--goal", "1,2", "--weights", "0,0,0,0,0,0,0,0,0,0", "--grid", "100000", "--field", "--out", out}, "--grid 100000"},
		{"digits generate 1e9", []string{"digits", "generate", "--n", "1000000000", "--out", out}, "memory limit"},
		{"digits train --n 1e5", []string{"digits", "train", "--n", "100000", "--methods", "ndp", "--out", out}, "memory limit"},
		{"digits train --draw -1", []string{"digits", "train", "--draw", "-1", "--out", out}, "--draw"},
		{"rl train --n 1e6", []string{"rl", "train", "--task", "push-easy", "--n", "1000000", "--out", out}, "(N+3)·T·l"},
		{"rl train --hidden 1e5", []string{"rl", "train", "--task", "push-easy", "--hidden", "100000,100000", "--out", out}, "memory limit"},
		{"rl train --rollout-steps 1e9", []string{"rl", "train", "--task", "push-easy", "--rollout-steps", "1000000000", "--out", out}, "--rollout-steps"},
		{"rl train --target-kl nan", []string{"rl", "train", "--task", "push-easy", "--target-kl", "nan", "--out", out}, "target-kl"},
		{"rl train --weight-scale nan", []string{"rl", "train", "--task", "push-easy", "--weight-scale", "nan", "--out", out}, "weight-scale"},
		{"rl train --init-log-std inf", []string{"rl", "train", "--task", "push-easy", "--init-log-std", "inf", "--out", out}, "init-log-std"},
		{"rl train --clip-coef inf", []string{"rl", "train", "--task", "push-easy", "--clip-coef", "inf", "--out", out}, "clip-coef"},
		{"rl train --max-grad-norm inf", []string{"rl", "train", "--task", "push-easy", "--max-grad-norm", "inf", "--out", out}, "max-grad-norm"},
		{"rl ablate N 1e6", []string{"rl", "ablate", "--tasks", "push-easy", "--param", "N", "--values", "5,1000000", "--out", out}, "(N+3)·T·l"},
		{"rl compare unknown task", []string{"rl", "compare", "--tasks", "push-easy,foo", "--out", out}, `unknown task "foo"`},
		{"rl eval n 1e8", []string{"rl", "eval", "--run", f["run-n1e8"]}, "(N+3)·T·l"},
		{"rl eval misspelt config", []string{"rl", "eval", "--run", f["run-typo"]}, `unknown field "gama"`},
		{"rl eval crafted checkpoint", []string{"rl", "eval", "--run", f["run-crafted"]}, "corrupt checkpoint"},
		{"rl eval --gif /proc", []string{"rl", "eval", "--run", f["run-n1e8"], "--gif", "/proc/x.gif"}, "--gif"},
		{"env rollout --gif /proc", []string{"env", "rollout", "--task", "push", "--gif", "/proc/x.gif"}, "--gif"},
		{"bc train actions 1e30", []string{"bc", "train", "--demos", f["huge-actions.npz"], "--out", out}, "within ±"},
		{"bc train --batch -1", []string{"bc", "train", "--demos", f["huge-actions.npz"], "--batch", "-1", "--out", out}, "batch"},
		{"bc train --epochs -1", []string{"bc", "train", "--demos", f["huge-actions.npz"], "--epochs", "-1", "--out", out}, "epochs"},
		{"bc train --n 1e6", []string{"bc", "train", "--demos", f["huge-actions.npz"], "--n", "1000000", "--out", out}, "--n"},
		{"--memory-limit junk", []string{"--memory-limit", "lots", "env", "list"}, "--memory-limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], tc.args...)
			cmd.Env = append(os.Environ(), "NDP_TEST_AS_MAIN=1")
			cmd.Dir = dir
			b, err := cmd.CombinedOutput()
			msg := string(b)
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				t.Fatalf("exit %v, want 1; output:\n%s", err, msg)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("output does not name the problem (%q):\n%s", tc.want, msg)
			}
			for _, trace := range []string{"panic:", "goroutine ", "fatal error"} {
				if strings.Contains(msg, trace) {
					t.Errorf("output holds a stack trace:\n%s", msg)
				}
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was written", out)
				os.RemoveAll(out)
			}
		})
	}
}
