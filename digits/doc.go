// Package digits is the data side of the digit-writing imitation task (the
// paper's Table 2 and Figure 4): a synthetic generator of single-stroke digits
// with the pen trajectory that drew them, a dataset file format, the helpers a
// trainer needs (28×28 network inputs, batching, stratified splits, per-class
// statistics) and a Figure-4-style grid renderer.
//
// # Generator
//
// Every digit 0-9 is a template of straight segments and elliptical arcs in a
// box about 2 units wide and 4 tall, written as one pen-down stroke in a
// natural order; segment lengths and angles, radii and arc extents get
// uniform random jitter. The path is parametrised by normalised arc length
// and traversed with the minimum-jerk profile s(τ) = 10τ³ − 15τ⁴ + 6τ⁵ at
// [Steps] = 301 instants, so the pen starts and ends at rest. It is scaled to
// [DigitHeight] = 23 px and centred on a [Size] = 40 px canvas (y down), inked
// with an anti-aliased pen of radius about 1 px, and image and trajectory are
// then warped together by one random affine jitter (rotation ≤ 8°, shear ≤
// 0.12, scale 0.9-1.1, shift ≤ 3 px). Sample i of a dataset with seed S uses
// its own PCG stream derived from (S, i), so [Generate] is deterministic,
// parallel, and a smaller dataset is a prefix of a larger one.
//
// The generator is versioned ([GeneratorVersion]): a version and a seed fix
// the dataset, and this build draws every version from
// [OldestGeneratorVersion] to [LatestGeneratorVersion] ([GenerateVersion]).
// Version 3 adds shapes of person-drawn digits that version 2 lacks (rounder
// 0s, bare 1s, 2s with a loop at the base, open 4s, wider 5s); version 4
// adds those the version-3 writers still miswrote on MNIST digits (1s with a
// base bar, larger loops in 2s, straight-backed 6s, crossed 7s, leaning 8s);
// version 5 adds flat-topped 3s and long-barred 5s.
// Each new shape shows in the image, so no image has two trajectories.
//
// Canvas pixel coordinates: pixel (row r, column c) covers x ∈ [c, c+1),
// y ∈ [r, r+1); a trajectory point (x, y) lies in pixel (⌊y⌋, ⌊x⌋).
//
// # File format
//
// A dataset is a NumPy .npz archive (zip of .npy arrays, C order) holding
// three arrays that agree in n ≥ 1:
//
//	images.npy        uint8   [n, 40, 40]  ink, 0 = background, 255 = full ink; row y, column x
//	trajectories.npy  float32 [n, 301, 2]  pen position (x, y) in canvas pixels, y down
//	labels.npy        uint8   [n]          digit class 0-9
//
// [Read] and [Load] also accept files written by NumPy, e.g.
// np.savez(f, images=..., trajectories=..., labels=...), with images as
// float32/float64 in [0, 1], trajectories as float64 and labels of any
// integer type, and reject, with an error naming the array, missing arrays,
// wrong shapes or dtypes, truncated data, Fortran order, non-finite
// trajectory values and labels outside 0-9.
package digits
