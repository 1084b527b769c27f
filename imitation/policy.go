package imitation

import (
	"encoding/json"
	"fmt"

	"github.com/gomlx/compute"

	"github.com/ndp-go/ndp/digits"
	"github.com/ndp-go/ndp/policy"
)

// Learner names of digit policy files: "digits-" + the method.
const learnerPrefix = "digits-"

// SavePolicy writes the trained writer as a policy file (package policy):
// the network, its DigitsConfig and, for CNN-DMP, the standardisation of
// the regressed DMP parameters; samples is how many training samples it
// has seen.
func (d *Digits) SavePolicy(path string, samples int64) error {
	cfg, err := json.Marshal(d.Cfg)
	if err != nil {
		return fmt.Errorf("imitation: %w", err)
	}
	meta := policy.Meta{Task: "digits", Learner: learnerPrefix + d.Cfg.Method, Seed: d.Cfg.Seed, Steps: samples, LearnerConfig: cfg}
	if d.pMean != nil {
		meta.Extra = map[string][]float64{"param_mean": d.pMean, "param_std": d.pStd}
	}
	meta.Provenance()
	return policy.Save(path, meta, d.Model)
}

// OpenDigits loads a digit writer from a policy file written by
// [Digits.SavePolicy], ready for Predict and Evaluate on backend b.
func OpenDigits(path string, b compute.Backend) (*Digits, error) {
	meta, m, err := policy.Load(path, b)
	if err != nil {
		return nil, err
	}
	if meta.Task != "digits" || len(meta.LearnerConfig) == 0 {
		return nil, fmt.Errorf("imitation: %s is a %s policy for %s, not a digit writer", path, meta.Learner, meta.Task)
	}
	var cfg DigitsConfig
	if err := json.Unmarshal(meta.LearnerConfig, &cfg); err != nil {
		return nil, fmt.Errorf("imitation: %s: learner config: %w", path, err)
	}
	d, err := NewDigits(cfg, b)
	if err == nil { // the file's network holds the training statistics (a standardised head, the start input's)
		err = d.build(m.Cfg, b)
	}
	if err != nil {
		return nil, fmt.Errorf("imitation: %s: %w", path, err)
	}
	w, err := m.Weights()
	if err != nil {
		return nil, err
	}
	if err := d.Model.SetWeights(w); err != nil {
		return nil, fmt.Errorf("imitation: %s: %w", path, err)
	}
	want := 0
	switch {
	case cfg.Method == MethodCNNDMP:
		want = 2 * (d.Cfg.N + 1)
	case cfg.Method == MethodCNN && cfg.Standardise:
		want = digits.TrajLen
	}
	if want > 0 {
		d.pMean, d.pStd = meta.Extra["param_mean"], meta.Extra["param_std"]
		if len(d.pMean) != want || len(d.pStd) != want {
			return nil, fmt.Errorf("imitation: %s: %s standardisation has %d/%d values, want %d", path, cfg.Method, len(d.pMean), len(d.pStd), want)
		}
	}
	return d, nil
}
