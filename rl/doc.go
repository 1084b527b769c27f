// Package rl holds the pure-Go parts of on-policy reinforcement learning that
// do not touch the network: generalised advantage estimation that supports
// the NDP multi-action critic and time-limit truncation, a running observation
// normaliser, and diagonal Gaussian helpers. The PPO learner builds on it.
package rl
