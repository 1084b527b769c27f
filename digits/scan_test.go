package digits

import "testing"

func TestScanLayout(t *testing.T) {
	d, err := Generate(1, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		l    ScanLayout
		ok   bool
	}{
		{"fits", ScanLayout{Scale: 2, X: 3, Y: 1, Width: 2*Size + 3, Height: 2*Size + 1}, true},
		{"scale 0", ScanLayout{Width: Size, Height: Size}, false},
		{"too narrow", ScanLayout{Scale: 2, X: 3, Width: 2 * Size, Height: 2 * Size}, false},
		{"negative offset", ScanLayout{Scale: 1, X: -1, Width: Size, Height: Size}, false},
	} {
		img, err := d.Scan(0, c.l)
		if (err == nil) != c.ok {
			t.Errorf("%s: error %v", c.name, err)
			continue
		}
		if !c.ok {
			continue
		}
		// Every dataset pixel becomes a Scale×Scale block at the offset.
		src := d.Image(0)
		for p := range ImageLen {
			x, y := c.l.ToPage(float64(p%Size), float64(p/Size))
			if got := img.GrayAt(int(x)+c.l.Scale-1, int(y)+c.l.Scale-1).Y; got != src[p] {
				t.Fatalf("%s: pixel %d is %d on the page, %d in the sample", c.name, p, got, src[p])
			}
			if bx, by := c.l.FromPage(x, y); bx != float64(p%Size) || by != float64(p/Size) {
				t.Fatalf("%s: FromPage(ToPage(%d, %d)) = (%v, %v)", c.name, p%Size, p/Size, bx, by)
			}
		}
	}
	if _, err := d.Scan(1, ScanLayout{Scale: 1, Width: Size, Height: Size}); err == nil {
		t.Error("scan of a sample past the end: no error")
	}
}
