package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ndp-go/ndp/run"
)

// parseFloats parses a comma-separated list of finite numbers; flag names
// the flag in errors.
func parseFloats(flag, s string) ([]float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]float64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("--%s: item %d %q is not a finite number", flag, i+1, p)
		}
		out[i] = v
	}
	return out, nil
}

// stepCount turns a float-valued count flag (so that 1e6 parses) into an
// int64: positive, whole and at most 1e12.
func stepCount(flag string, v float64) (int64, error) {
	if !(v >= 1 && v <= 1e12) || v != math.Trunc(v) {
		return 0, fmt.Errorf("--%s: %v is not a whole number in [1, 1e12]", flag, v)
	}
	return int64(v), nil
}

// runMode maps --resume and --force to the run life cycle's mode.
func runMode(resume, force bool) (run.Mode, error) {
	switch {
	case resume && force:
		return run.Fresh, fmt.Errorf("--resume and --force contradict each other")
	case resume:
		return run.Resume, nil
	case force:
		return run.Force, nil
	}
	return run.Fresh, nil
}

// joinInts renders ints as a comma-separated flag value.
func joinInts(v []int) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}
