package digits

import (
	"fmt"
	"image"
	"image/color"

	"github.com/ndp-go/ndp/internal/memlimit"
)

// ScanLayout says how [Dataset.Scan] lays a sample out on a page, as a
// user's scan of a digit might be: a test of [Frame], which must undo any
// scale, offset and polarity.
type ScanLayout struct {
	Scale         int  // page pixels per dataset pixel, ≥ 1
	X, Y          int  // the top-left corner of the sample's Size×Size canvas on the page, ≥ 0
	Width, Height int  // the page, at least the scaled canvas at (X, Y)
	DarkOnLight   bool // grey paper (225) and not-quite-black ink (225 − 0.8·v); else the dataset's own light ink on black
}

// ToPage maps a canvas point (x, y), such as a trajectory point of the
// sample, to page pixels.
func (l ScanLayout) ToPage(x, y float64) (float64, float64) {
	return float64(l.X) + float64(l.Scale)*x, float64(l.Y) + float64(l.Scale)*y
}

// FromPage maps page pixels back to the sample's canvas.
func (l ScanLayout) FromPage(x, y float64) (float64, float64) {
	return (x - float64(l.X)) / float64(l.Scale), (y - float64(l.Y)) / float64(l.Scale)
}

// Scan renders sample i on a page laid out by l.
func (d *Dataset) Scan(i int, l ScanLayout) (*image.Gray, error) {
	if i < 0 || i >= d.Len() {
		return nil, fmt.Errorf("digits: scan of sample %d of %d", i, d.Len())
	}
	if l.Scale < 1 || l.X < 0 || l.Y < 0 || l.Width < l.X+Size*l.Scale || l.Height < l.Y+Size*l.Scale {
		return nil, fmt.Errorf("digits: scan layout %+v does not hold the %d× canvas", l, l.Scale)
	}
	if err := memlimit.Check(fmt.Sprintf("digits: a %d×%d scan", l.Width, l.Height), float64(l.Width)*float64(l.Height)); err != nil {
		return nil, err
	}
	src := d.Image(i)
	img := image.NewGray(image.Rect(0, 0, l.Width, l.Height))
	for y := range l.Height {
		for x := range l.Width {
			v := uint8(0)
			if sx, sy := (x-l.X)/l.Scale, (y-l.Y)/l.Scale; x >= l.X && y >= l.Y && sx < Size && sy < Size {
				v = src[sy*Size+sx]
			}
			if l.DarkOnLight {
				v = 225 - uint8(0.8*float64(v))
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	return img, nil
}
