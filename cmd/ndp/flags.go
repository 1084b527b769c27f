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

// dirOf returns the directory of path, "." for a bare file name.
func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[:i+1]
		}
	}
	return "."
}
