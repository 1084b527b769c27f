package backend

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		flag, env, want string
	}{
		{"", "", "go"},
		{"", "xla:cuda", "xla:cuda"},
		{"go", "xla:cuda", "go"},
		{"  xla:/x.so ", "", "xla:/x.so"},
	}
	for _, tc := range tests {
		t.Setenv(EnvVar, tc.env)
		if got := Resolve(tc.flag); got != tc.want {
			t.Errorf("Resolve(%q) with $%s=%q = %q, want %q", tc.flag, EnvVar, tc.env, got, tc.want)
		}
	}
}

func TestNew(t *testing.T) {
	t.Setenv(EnvVar, "")
	notAPlugin := filepath.Join(t.TempDir(), "pjrt_bogus.so")
	if err := os.WriteFile(notAPlugin, []byte("not an ELF file"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		config  string
		wantErr string // "" means success
	}{
		{"go", ""},
		{"", ""},
		{"tpu", "unknown backend"},
		{"xla:/nonexistent/pjrt_c_api_gpu_plugin.so", "--backend go"},
		{"xla:no-such-plugin", "--backend go"},
		{"xla:" + notAPlugin, "--backend go"},
	}
	for _, tc := range tests {
		t.Run(tc.config, func(t *testing.T) {
			start := time.Now()
			b, err := New(tc.config)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if b.Name() == "" {
					t.Error("backend has no name")
				}
				return
			}
			t.Log(err)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("New(%q) = %v, want an error containing %q", tc.config, err, tc.wantErr)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("failing took %v: should fail fast without downloading", d)
			}
		})
	}
}

func TestGoConfig(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "go:ops_sequential"},
		{"ops_auto", "go:"},
		{"ops_parallel", "go:ops_parallel"},
		{"parallelism=1", "go:parallelism=1,ops_sequential"},
		{"parallelism=1,ops_auto", "go:parallelism=1"},
	} {
		if got := goConfig(tc.in); got != tc.want {
			t.Errorf("goConfig(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
