// Package memlimit holds the one memory budget that every configuration is
// checked against before it allocates: a size typed by mistake
// (--hidden 100000,100000, --n 1e9) becomes an error that gives the
// estimate and names the setting, instead of Go's unrecoverable
// "fatal error: out of memory".
//
// The budget is 4 GiB unless the environment variable NDP_MEMORY_LIMIT
// ("16GiB", "512MiB" or a number of bytes) or [Set] says otherwise.
package memlimit

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// Default is the budget when nothing overrides it.
const Default = 4 << 30

// EnvVar names the environment variable that overrides the budget.
const EnvVar = "NDP_MEMORY_LIMIT"

var limit atomic.Int64 // 0: not set, read the environment

// Set overrides the budget (bytes > 0) for the rest of the process.
func Set(bytes int64) { limit.Store(bytes) }

// Limit returns the budget in bytes.
func Limit() int64 {
	if l := limit.Load(); l > 0 {
		return l
	}
	if s := os.Getenv(EnvVar); s != "" {
		if v, err := Parse(s); err == nil {
			return v
		}
	}
	return Default
}

// Parse reads a size such as "4GiB", "512MiB", "100KiB" or "1e9" (bytes).
func Parse(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := 1.0
	for _, u := range []struct {
		suffix string
		m      float64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.m
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v*mult >= 1) || v*mult > math.MaxInt64/2 {
		return 0, fmt.Errorf("memory limit %q: want a positive size such as 8GiB, 512MiB or a number of bytes", s)
	}
	return int64(v * mult), nil
}

// Check returns an error if bytes (an estimate, as a float so that huge
// products do not overflow) exceed the budget; what says what would be
// allocated and by which setting, e.g. "rollout buffers (--rollout-steps 1e9 × 8 envs)".
func Check(what string, bytes float64) error {
	if l := Limit(); bytes > float64(l) || math.IsNaN(bytes) {
		return fmt.Errorf("%s would need about %s, over the memory limit of %s (set %s, e.g. %s=16GiB, to raise it)",
			what, Format(bytes), Format(float64(l)), EnvVar, EnvVar)
	}
	return nil
}

// Format renders a size in bytes with a binary unit.
func Format(bytes float64) string {
	num := func(v float64, unit string) string {
		if v >= 100 {
			return fmt.Sprintf("%.0f %s", v, unit)
		}
		return fmt.Sprintf("%.3g %s", v, unit)
	}
	switch {
	case bytes >= 1<<40:
		return num(bytes/(1<<40), "TiB")
	case bytes >= 1<<30:
		return num(bytes/(1<<30), "GiB")
	case bytes >= 1<<20:
		return num(bytes/(1<<20), "MiB")
	}
	return fmt.Sprintf("%.0f bytes", bytes)
}
