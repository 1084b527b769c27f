package memlimit

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"4GiB", 4 << 30, true}, {"512 MiB", 512 << 20, true}, {"1e9", 1e9, true}, {"2GB", 2e9, true},
		{"0", 0, false}, {"-1GiB", 0, false}, {"lots", 0, false}, {"NaN", 0, false}, {"1e300", 0, false},
	} {
		got, err := Parse(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Setenv(EnvVar, "1MiB")
	if err := Check("x", 1<<19); err != nil {
		t.Errorf("under the limit: %v", err)
	}
	err := Check("rollout buffers (--rollout-steps 1e9)", 1e12)
	if err == nil || !strings.Contains(err.Error(), "--rollout-steps") || !strings.Contains(err.Error(), "931 GiB") || !strings.Contains(err.Error(), "1 MiB") {
		t.Errorf("over the limit: %v", err)
	}
	Set(1 << 40)
	defer Set(0)
	if err := Check("x", 1e12); err != nil {
		t.Errorf("after Set: %v", err)
	}
}
