package digits

import "testing"

// zero draws the generator's 0 (case 0 of template) with chosen parameters,
// framed and timed as Synthesize does but without the affine jitter.
func zero(rx, ry, start, sweep float64) (img []uint8, traj []pt) {
	p := startAt(pt{0, 0})
	p.arc(rx, ry, start, -sweep)
	path := retime(toCanvas(p.pts))
	img = make([]uint8, ImageLen)
	ink(img, path, affine{a: 1, d: 1}, 1)
	return img, path
}

// spread is the mean over trajectories of their squared distance to the
// trajectories' mean, per point and coordinate (px²): the least loss any
// writer can have on a set of digits whose images are all the same.
func spread(trajs [][]pt) float64 {
	mean := make([]pt, Steps)
	for _, tr := range trajs {
		for k, q := range tr {
			mean[k] = mean[k].add(q.scale(1 / float64(len(trajs))))
		}
	}
	s := 0.0
	for _, tr := range trajs {
		for k, q := range tr {
			d := q.sub(mean[k])
			s += (d.x*d.x + d.y*d.y) / float64(2*Steps*len(trajs))
		}
	}
	return s
}

// TestHiddenOverlap measures the part of a 0 that no image shows: a 0 whose
// ellipse closes with an overlap (sweep 360°–375°, half of all 0s) retraces
// its own ink, so its image is the same for every sweep and every start on
// that range, while its trajectory is not.
func TestHiddenOverlap(t *testing.T) {
	const K = 16
	var ref []uint8
	var bySweep, byBoth [][]pt
	for i := range K {
		sweep := 360 + 15*float64(i)/(K-1)
		img, tr := zero(0.95, 1.975, -90, sweep)
		if ref == nil {
			ref = img
		}
		if d := maxDiff(img, ref); d > 2 {
			t.Fatalf("sweep %v: the image changed by %d/255", sweep, d)
		}
		bySweep = append(bySweep, tr)
		for j := range K {
			start := -105 + 30*float64(j)/(K-1)
			img, tr := zero(0.95, 1.975, start, sweep)
			if d := maxDiff(img, ref); d > 2 {
				t.Fatalf("start %v, sweep %v: the image changed by %d/255", start, sweep, d)
			}
			byBoth = append(byBoth, tr)
		}
	}
	known, unknown := spread(bySweep), spread(byBoth)
	t.Logf("least loss on these 0s: start known (an NDP's y0) %.3f px²; start unknown too %.3f px²", known, unknown)
	// Measured 0.041 and 0.465: a floor of about 0.23 px² on class 0 (half
	// its samples overlap) for a writer that does not know the start.
	if !(known > 0.03 && unknown > 10*known) {
		t.Errorf("spread %.3f px² (start known), %.3f (unknown): want > 0.03 and 10× more without the start", known, unknown)
	}
}

// maxDiff is the largest difference between two images' pixels.
func maxDiff(a, b []uint8) int {
	m := 0
	for i := range a {
		m = max(m, int(a[i])-int(b[i]), int(b[i])-int(a[i]))
	}
	return m
}

// TestHiddenOverlapGrowsWithWidth: the rounder 0s of version 3 spread their
// hidden starts wider, so a writer that does not know the start has a higher
// floor on them (docs/results.md quotes the logged values).
func TestHiddenOverlapGrowsWithWidth(t *testing.T) {
	const K = 12
	prev := 0.0
	for _, rx := range []float64{0.85, 0.95, 1.05, 1.15, 1.25, 1.35, 1.45} {
		var trajs [][]pt
		for i := range K {
			for j := range K {
				_, tr := zero(rx, 1.975, -105+30*float64(j)/(K-1), 360+15*float64(i)/(K-1))
				trajs = append(trajs, tr)
			}
		}
		s := spread(trajs)
		t.Logf("rx %.2f: least loss on overlapping 0s, start unknown: %.3f px²", rx, s)
		if s <= prev {
			t.Errorf("rx %.2f: spread %.3f px², not above %.3f at the narrower 0", rx, s, prev)
		}
		prev = s
	}
	// Measured 0.398 at rx 0.85 and 1.067 at rx 1.45.
	if prev < 2*0.398 {
		t.Errorf("the roundest 0 spreads %.3f px², want more than twice the narrowest", prev)
	}
}
