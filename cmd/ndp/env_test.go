package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnvList(t *testing.T) {
	var buf bytes.Buffer
	if err := runEnvList(&buf); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"push", "soccer", "faucet", "throw", "pick"} {
		if !strings.Contains(buf.String(), name) {
			t.Errorf("list lacks %s:\n%s", name, buf.String())
		}
	}
}

func TestEnvRollout(t *testing.T) {
	gifPath := filepath.Join(t.TempDir(), "out.gif")
	tests := []struct {
		name    string
		flags   envRolloutFlags
		want    string // in output, or in the error when wantErr
		wantErr bool
	}{
		{"scripted", envRolloutFlags{task: "faucet", policy: "scripted", episodes: 2, rewardDelay: 1}, "success rate 1.000", false},
		{"random", envRolloutFlags{task: "pick", policy: "random", episodes: 1, rewardDelay: 1}, "steps/s", false},
		{"gif", envRolloutFlags{task: "pick", policy: "scripted", episodes: 1, rewardDelay: 1, gif: gifPath}, "wrote", false},
		{"bad task", envRolloutFlags{task: "juggle", policy: "scripted", episodes: 1, rewardDelay: 1}, "--task", true},
		{"bad policy", envRolloutFlags{task: "push", policy: "ppo", episodes: 1, rewardDelay: 1}, "--policy", true},
		{"bad episodes", envRolloutFlags{task: "push", policy: "random", episodes: 0, rewardDelay: 1}, "--episodes", true},
		{"bad delay", envRolloutFlags{task: "push", policy: "random", episodes: 1, rewardDelay: 0}, "delay", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := runEnvRollout(&buf, tc.flags)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want mention of %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, buf.String())
			}
		})
	}
	if st, err := os.Stat(gifPath); err != nil || st.Size() == 0 {
		t.Errorf("gif not written: %v", err)
	}
}
