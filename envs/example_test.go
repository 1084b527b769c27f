package envs_test

import (
	"fmt"

	"github.com/ndp-go/ndp/envs"
)

// Run the scripted controller on one push episode.
func Example() {
	env, err := envs.Make("push")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer env.Close()
	policy, _ := envs.Scripted("push")

	obs, _ := env.Reset(1)
	policy.Reset()
	l := env.Layout()
	fmt.Println("DMP y0 indices:", l.Position)
	for {
		obs2, _, done, info, err := env.Step(policy.Act(obs))
		if err != nil {
			fmt.Println(err)
			return
		}
		obs = obs2
		if done {
			fmt.Println("steps:", info.Step, "success:", info.EpisodeSuccess)
			break
		}
	}
	// Output:
	// DMP y0 indices: [0 1 2]
	// steps: 150 success: true
}
