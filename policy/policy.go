// Package policy is the one file format for trained policies: every learner
// writes it at the end of training, and evaluation, GIFs and dense control
// read it without building a trainer or the training envs.
//
// A policy file is an npz archive, so Python reads it with numpy.load:
//
//	meta          uint8, the UTF-8 JSON of [Meta]
//	w/NAME        float32, one array per network weight, in the shape the
//	              model uses (e.g. w/phi/0/w is Φ's first layer, [in, out])
//
// Loading it back gives the network of [Meta.Model] on any GoMLX backend,
// and an [Actor] that maps raw observations to action means exactly as the
// learner did (the observation normaliser is applied first).
package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/compute"

	"github.com/ndp-go/ndp/agent"
	"github.com/ndp-go/ndp/internal/atomicfile"
	"github.com/ndp-go/ndp/internal/npzio"
	"github.com/ndp-go/ndp/model"
	"github.com/ndp-go/ndp/rl"
	"github.com/ndp-go/ndp/run"
)

// Format names this layout in Meta.Format.
const Format = "ndp-policy/1"

// Meta is everything in a policy file but the weights.
type Meta struct {
	Format  string             `json:"format"`
	Model   model.Config       `json:"model"`              // the network, defaults applied
	Spec    agent.Spec         `json:"spec"`               // how its outputs map to env actions
	ObsNorm *rl.RunningMeanStd `json:"obs_norm,omitempty"` // applied to raw observations first (nil: none)
	LogStd  []float64          `json:"log_std,omitempty"`  // log σ of the Gaussian policy, per action dim
	Weights []string           `json:"weights"`            // the w/ arrays, in model order

	// What a learner needs beyond the network to use it again: its own
	// config (e.g. imitation.DigitsConfig) and named vectors (e.g. the
	// CNN-DMP's parameter standardisation).
	LearnerConfig json.RawMessage      `json:"learner_config,omitempty"`
	Extra         map[string][]float64 `json:"extra,omitempty"`

	// Where it came from.
	Task        string `json:"task"`
	Learner     string `json:"learner"`                // "ndp", "ppo", "ppo-multi", ...
	MaxSteps    int    `json:"max_steps,omitempty"`    // the episode length it was trained with, if not the task's
	RewardDelay int    `json:"reward_delay,omitempty"` // the reward delay it was trained with (0: 1)
	FixedReset  *int64 `json:"fixed_reset,omitempty"`  // the one layout it was trained on, if any
	Seed        int64  `json:"seed"`                   // the training seed (evaluation episodes derive from it)
	Steps       int64  `json:"env_steps"`              // env steps (or samples) of training
	Command     string `json:"command,omitempty"`      // the command line that trained it
	Commit      string `json:"commit,omitempty"`       // the VCS revision of the binary
	Created     string `json:"created"`                // RFC 3339
}

// Provenance fills Command, Commit and Created from the running program.
func (m *Meta) Provenance() {
	m.Command = strings.Join(os.Args, " ")
	m.Created = time.Now().UTC().Format(time.RFC3339)
	m.Commit = run.Commit()
}

// Save writes the model's weights with meta to path, atomically.
func Save(path string, meta Meta, m *model.Model) error {
	w, err := m.Weights()
	if err != nil {
		return err
	}
	meta.Format, meta.Model, meta.Weights = Format, m.Cfg, m.Spec.Names
	js, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	var buf bytes.Buffer
	zw := npzio.NewWriter(&buf)
	if err := zw.Add("meta", js, len(js)); err != nil {
		return err
	}
	for i, name := range m.Spec.Names {
		if err := zw.Add("w/"+name, w[i], m.Spec.Shapes[i]...); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(path, buf.Bytes()); err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	return nil
}

// maxWeights bounds the scalars a policy file may hold (a guard against
// crafted files; the paper's largest network has about 10⁶).
const maxWeights = 1 << 26

// ReadMeta reads only the metadata of a policy file.
func ReadMeta(path string) (Meta, error) {
	zr, err := openNPZ(path)
	if err != nil {
		return Meta{}, err
	}
	return readMeta(zr, path)
}

func readMeta(zr *npzio.Reader, path string) (Meta, error) {
	var meta Meta
	a, err := zr.Read("meta", 1<<24)
	if err != nil {
		return meta, fmt.Errorf("policy: %s: %w", path, err)
	}
	js := make([]byte, a.Len())
	for i := range js {
		js[i] = byte(a.At(i))
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&meta); err != nil {
		return meta, fmt.Errorf("policy: %s: metadata: %w", path, err)
	}
	if meta.Format != Format {
		return meta, fmt.Errorf("policy: %s: format %q, want %q", path, meta.Format, Format)
	}
	return meta, nil
}

func openNPZ(path string) (*npzio.Reader, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	zr, err := npzio.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if errors.Is(err, npzio.ErrNotNPZ) {
			return nil, fmt.Errorf("policy: %s is not a policy file (not an npz archive)", path)
		}
		return nil, fmt.Errorf("policy: %s: %w", path, err)
	}
	return zr, nil
}

// Load reads a policy file and builds its network on backend b.
func Load(path string, b compute.Backend) (Meta, *model.Model, error) {
	zr, err := openNPZ(path)
	if err != nil {
		return Meta{}, nil, err
	}
	meta, err := readMeta(zr, path)
	if err != nil {
		return meta, nil, err
	}
	m, err := model.New(meta.Model, b)
	if err != nil {
		return meta, nil, fmt.Errorf("policy: %s: %w", path, err)
	}
	if len(meta.Weights) != m.Spec.Len() {
		return meta, nil, fmt.Errorf("policy: %s lists %d weights, its model has %d", path, len(meta.Weights), m.Spec.Len())
	}
	w := make([][]float32, m.Spec.Len())
	for i, name := range m.Spec.Names {
		a, err := zr.Read("w/"+name, maxWeights)
		if err != nil {
			return meta, nil, fmt.Errorf("policy: %s: %w", path, err)
		}
		if !slices.Equal(a.Shape, m.Spec.Shapes[i]) {
			return meta, nil, fmt.Errorf("policy: %s: weight %s has shape %v, the model wants %v", path, name, a.Shape, m.Spec.Shapes[i])
		}
		w[i] = make([]float32, a.Len())
		for j := range w[i] {
			v := a.At(j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return meta, nil, fmt.Errorf("policy: %s: weight %s holds %v", path, name, v)
			}
			w[i][j] = float32(v)
		}
	}
	if err := m.SetWeights(w); err != nil {
		return meta, nil, fmt.Errorf("policy: %s: %w", path, err)
	}
	return meta, m, nil
}

// Actor maps raw observations to action means as the trained learner did.
type Actor struct {
	Meta  Meta
	Model *model.Model
}

// Open loads the policy file at path as an Actor on backend b.
func Open(path string, b compute.Backend) (*Actor, error) {
	meta, m, err := Load(path, b)
	if err != nil {
		return nil, err
	}
	return &Actor{Meta: meta, Model: m}, nil
}

// Act returns the action means of a batch of raw observations (each
// [ObsDim]): [len(obs), K, A], flat.
func (a *Actor) Act(obs [][]float64) ([]float64, error) {
	for i, o := range obs {
		if len(o) != a.Meta.Spec.ObsDim {
			return nil, fmt.Errorf("policy: observation %d has %d values, the policy wants %d", i, len(o), a.Meta.Spec.ObsDim)
		}
	}
	res, err := a.Model.Forward(a.Meta.Spec.Batch(obs, a.Meta.ObsNorm))
	if err != nil {
		return nil, err
	}
	return a.Meta.Spec.Means(res, len(obs))
}

// Policy returns Act as an agent.Policy.
func (a *Actor) Policy() agent.Policy { return a.Act }
