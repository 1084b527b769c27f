package imitation

import (
	"fmt"
	"math"
	"strings"
)

// Aux keys of a digits run's checkpoint, beside the network and Adam.
const (
	auxState = "digits/state" // [epochs, best held-out loss, train seconds, wall seconds, steps]
	auxRNG   = "digits/rng"   // the batch-order PCG's state (Model.SetAuxBytes)
	auxExtra = "digits/extra/"
)

// progress is what a digits run carries from epoch to epoch, so that a
// resumed run writes the rows and the result an uninterrupted one would
// (apart from times).
type progress struct {
	Best         float64 // best held-out loss so far (px²)
	TrainSeconds float64 // wall time inside training epochs
	WallSeconds  float64 // wall time of the run, pretraining included
	Steps        int     // optimizer steps taken
	Extra        map[string]float64
}

// saveCheckpoint writes d's network, Adam state, epoch count and batch
// order with p to path, atomically.
func (d *Digits) saveCheckpoint(path string, p progress) error {
	rng, err := d.src.MarshalBinary()
	if err != nil {
		return fmt.Errorf("imitation: checkpoint: %w", err)
	}
	d.Model.SetAuxBytes(auxRNG, rng)
	d.Model.SetAux(auxState, []float64{float64(d.Epochs), p.Best, p.TrainSeconds, p.WallSeconds, float64(p.Steps)})
	for k, v := range p.Extra {
		d.Model.SetAux(auxExtra+k, []float64{v})
	}
	return d.Model.Save(path)
}

// restoreCheckpoint loads a checkpoint written by saveCheckpoint into d,
// which must have been built from the same config.
func (d *Digits) restoreCheckpoint(path string) (progress, error) {
	var p progress
	if err := d.Model.LoadInto(path); err != nil {
		return p, fmt.Errorf("imitation: resuming: %w", err)
	}
	st := d.Model.Aux(auxState)
	whole := func(v float64) bool { return v >= 0 && v < 1<<40 && v == math.Trunc(v) }
	if len(st) != 5 || !whole(st[0]) || st[0] < 1 || !whole(st[4]) || math.IsNaN(st[1]) || !(st[2] >= 0) || !(st[3] >= 0) {
		return p, fmt.Errorf("imitation: resuming: %s holds no valid digits run state (%v)", path, st)
	}
	rng, err := d.Model.AuxBytes(auxRNG)
	if err != nil {
		return p, fmt.Errorf("imitation: resuming: %s: corrupt batch-order state: %w", path, err)
	}
	if err := d.src.UnmarshalBinary(rng); err != nil {
		return p, fmt.Errorf("imitation: resuming: %s: batch-order state: %w", path, err)
	}
	d.Epochs = int(st[0])
	p = progress{Best: st[1], TrainSeconds: st[2], WallSeconds: st[3], Steps: int(st[4])}
	for _, k := range d.Model.AuxKeys() {
		if name, ok := strings.CutPrefix(k, auxExtra); ok {
			if v := d.Model.Aux(k); len(v) == 1 {
				if p.Extra == nil {
					p.Extra = map[string]float64{}
				}
				p.Extra[name] = v[0]
			}
		}
	}
	return p, nil
}
