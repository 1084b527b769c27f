// Package backend chooses and starts the GoMLX compute backend that runs the
// NDP graphs.
//
// The configuration comes from the --backend flag or $GOMLX_BACKEND:
//
//	"go"                      pure Go, always available (the default)
//	"go:ops_auto"             pure Go, ops in parallel when the backend sees fit (see below)
//	"xla:/abs/path/plugin.so" a PJRT plugin, e.g. the CUDA one on a GPU machine
//	"xla:cuda", "xla:cpu"     a PJRT plugin installed in the standard places
//
// Nothing is ever downloaded: the XLA auto-installer is switched off in
// process, and a plugin that cannot be loaded gives an error that says how
// to fall back to the go backend.
//
// "go" runs one op at a time (ops_sequential), each op using every core.
// Under GoMLX v0.28.4 that was forced by a deadlock of the parallel mode
// (every pool worker holding a large matmul that waited for workers to fan
// out to). At v0.28.16 the deadlock is gone (TestParallelMatmulsDoNotDeadlock
// hung on the old version), and sequential stays the default for speed: it
// is 15–25% faster on PPO's minibatch steps, the hot path of RL training,
// while the backend's own mode ("go:ops_auto") is about 15% faster on the
// digits CNN step (docs/engine.md). "go:ops_parallel" forces parallel ops.
package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/gomlx/backends/default" // registers "go" and, unless built with noxla, "xla"
)

// EnvVar is the environment variable read when no explicit config is given.
const EnvVar = compute.ConfigEnvVar // "GOMLX_BACKEND"

// Default is the backend used when neither the flag nor $GOMLX_BACKEND is set.
const Default = "go"

// StartTimeout bounds how long a backend may take to start; a PJRT plugin
// that hangs (e.g. a CUDA plugin on a machine without a usable GPU) then
// gives an error instead of blocking the program.
var StartTimeout = 2 * time.Minute

// noAutoInstall is set by xla.go when the XLA backend is compiled in.
var noAutoInstall = func() {}

var disableOnce sync.Once

// disableAutoInstall makes sure no backend ever tries to download plugins.
func disableAutoInstall() {
	disableOnce.Do(func() {
		_ = os.Setenv("GOMLX_NO_AUTO_INSTALL", "1")
		noAutoInstall()
	})
}

// Resolve returns the backend config to use: flag if non-empty, else
// $GOMLX_BACKEND if set and non-empty, else [Default].
func Resolve(flag string) string {
	if s := strings.TrimSpace(flag); s != "" {
		return s
	}
	if s := strings.TrimSpace(os.Getenv(EnvVar)); s != "" {
		return s
	}
	return Default
}

// Available lists the backend names compiled into this binary.
func Available() []string { return compute.List() }

// New starts the backend described by config ("" means [Resolve]("")).
// It never panics and never downloads; errors say how to fall back.
func New(config string) (b compute.Backend, err error) {
	disableAutoInstall()
	config = Resolve(config)
	name, rest, _ := strings.Cut(config, ":")
	found := false
	for _, n := range compute.List() {
		found = found || n == name
	}
	if !found {
		hint := ""
		if name == "xla" {
			hint = " (this binary was built with the noxla tag)"
		}
		return nil, fmt.Errorf("backend: unknown backend %q in config %q%s; available: %s",
			name, config, hint, strings.Join(compute.List(), ", "))
	}
	if name == "go" {
		config = goConfig(rest)
	}
	if name == "xla" || name == "stablehlo" || name == "hlo" || name == "shlo" {
		plugin, _, _ := strings.Cut(rest, ",")
		if filepath.IsAbs(plugin) {
			if _, statErr := os.Stat(plugin); statErr != nil {
				return nil, fmt.Errorf("backend: PJRT plugin %q: %w; %s", plugin, statErr, fallbackHint)
			}
		}
	}
	type result struct {
		b   compute.Backend
		err error
	}
	ch := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r = result{nil, fmt.Errorf("panic: %v", p)}
			}
			ch <- r
		}()
		r.b, r.err = compute.NewWithConfig(config)
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			if name == "go" {
				return nil, fmt.Errorf("backend: starting %q: %w", config, r.err)
			}
			return nil, fmt.Errorf("backend: starting %q: %w; %s", config, r.err, fallbackHint)
		}
		return r.b, nil
	case <-time.After(StartTimeout):
		return nil, fmt.Errorf("backend: %q did not start within %v; %s", config, StartTimeout, fallbackHint)
	}
}

const fallbackHint = "to run on the CPU instead use --backend go (or GOMLX_BACKEND=go)"

// goConfig returns the go backend's config: ops_sequential unless the
// caller chose a mode; "ops_auto" leaves the choice to the backend.
func goConfig(options string) string {
	var kept []string
	mode := "ops_sequential"
	for _, o := range strings.Split(options, ",") {
		switch o {
		case "":
		case "ops_auto":
			mode = ""
		case "ops_sequential", "ops_parallel":
			mode = o
		default:
			kept = append(kept, o)
		}
	}
	if mode != "" {
		kept = append(kept, mode)
	}
	return "go:" + strings.Join(kept, ",")
}
