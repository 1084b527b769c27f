package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
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
