package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders for digits write
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ndp-go/ndp/backend"
	"github.com/ndp-go/ndp/digits"
	"github.com/ndp-go/ndp/imitation"
	"github.com/ndp-go/ndp/internal/atomicfile"
)

// maxWriteImages bounds one call of digits write.
const maxWriteImages = 1000

func init() {
	var (
		policyPath, out, csvPath, start, startFrom string
		backendFlag                                string
		images                                     []string
		hz, refine                                 int
	)
	cmd := &cobra.Command{
		Use:   "write",
		Short: "Run a trained digit writer on images of your own: the pen trajectory, drawn and as CSV",
		Long: `Run a trained digit writer (a policy file of ndp digits train) on PNG, JPEG or GIF
images of any size and polarity (dark ink on light paper or light on dark, detected from the border).
Each image is cropped and centred the way the training digits are framed, the writer predicts its
pen trajectory, and --out draws the framed images with their trajectories (a grid for several);
--csv writes image,t,x,y rows, x and y in the input image's pixels (y down), t in seconds of the
one-second motion: the dataset's 301 points, or for a DMP writer (ndp, cnn-dmp) --hz points per
second integrated through its DMP. The DMP writers, and writers trained with --start-input, need
the pen's start: --start x,y in the image's pixels, --start-from a cnn writer trained without
--start-input (the first point of its trajectory), or by default the start on the ink whose
trajectory fits the ink best. The trajectory is then fitted to the image's ink in --refine rounds,
through the writer's DMP (for the cnn, a DMP fitted to its points): the network proposes the stroke,
the ink corrects where it runs off; 0 keeps the network's prediction as is. The ink fit printed on
stderr is what the refinement reduces.`,
		Example: `  ndp digits write --policy runs/digits/ndp/policy.npz --image seven.png --out seven-traj.png --csv seven.csv
  ndp digits write --policy out/demo/digits/ndp/policy.npz --image 'scans/*.jpg' --out grid.png --hz 1000 --csv all.csv
  ndp digits write --policy results/table2-v3-start-augment/ndp/policy-best.npz --start-from results/table2-v3/cnn/policy-best.npz --image scans --out grid.png`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if hz < 0 || hz > 100000 {
				return fmt.Errorf("--hz %d: want 0 (the dataset's 301 points) up to 100000", hz)
			}
			if refine < 0 || refine > 1000 {
				return fmt.Errorf("--refine %d: want 0 (the writer's prediction as is) up to 1000 rounds", refine)
			}
			if start != "" && startFrom != "" {
				return errors.New("--start and --start-from: give one")
			}
			paths, err := expandImages(images)
			if err != nil {
				return err
			}
			for _, p := range []struct{ flag, path string }{{"--out", out}, {"--csv", csvPath}} {
				if p.path != "" {
					if err := atomicfile.CheckWritable(p.path); err != nil {
						return fmt.Errorf("%s: %w", p.flag, err)
					}
				}
			}
			var startPt []float64
			if start != "" {
				if len(paths) != 1 {
					return fmt.Errorf("--start applies to one image, got %d", len(paths))
				}
				if startPt, err = parseFloats("start", start); err != nil {
					return err
				}
				if len(startPt) != 2 {
					return fmt.Errorf("--start %q: want x,y", start)
				}
			}
			framed := make([]*digits.Framed, len(paths))
			canvases := make([][]uint8, len(paths))
			for i, p := range paths {
				if framed[i], err = frameFile(p); err != nil {
					return err
				}
				canvases[i] = framed[i].Canvas
			}
			var starts [][]float32
			if startPt != nil {
				x, y := framed[0].ToCanvas(startPt[0], startPt[1])
				starts = [][]float32{{float32(x), float32(y)}}
			}
			b, err := backend.New(backendFlag)
			if err != nil {
				return err
			}
			if startFrom != "" {
				sf, err := imitation.OpenDigits(startFrom, b)
				if err != nil {
					return fmt.Errorf("--start-from: %w", err)
				}
				if starts, err = sf.PredictStarts(canvases); err != nil {
					return fmt.Errorf("--start-from %s: %w", startFrom, err)
				}
			}
			d, err := imitation.OpenDigits(policyPath, b)
			if err != nil {
				return fmt.Errorf("--policy: %w", err)
			}
			trajs, err := d.Write(canvases, imitation.WriteOptions{Starts: starts, Hz: hz, Refine: refine})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if err := reportInkFit(cmd.ErrOrStderr(), paths, canvases, trajs); err != nil {
				return err
			}
			if csvPath != "" {
				if err := atomicfile.Write(csvPath, func(f io.Writer) error { return writeTrajCSV(f, paths, framed, trajs) }); err != nil {
					return fmt.Errorf("--csv: %w", err)
				}
				fmt.Fprintf(w, "wrote %d trajectories of %d points to %s\n", len(trajs), len(trajs[0])/2, csvPath)
			}
			if out != "" {
				captions := make([]string, len(paths))
				for i, p := range paths {
					captions[i] = filepath.Base(p)
				}
				sets := []digits.TrajectorySet{{Name: d.Cfg.Method + " (" + filepath.Base(policyPath) + ")", Trajs: trajs}}
				if err := digits.DrawGrid(out, canvases, sets, digits.GridOptions{Captions: captions}); err != nil {
					return err
				}
				fmt.Fprintf(w, "wrote %s\n", out)
			}
			if out == "" && csvPath == "" {
				return writeTrajCSV(w, paths, framed, trajs)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&policyPath, "policy", "", "digit writer: a policy file of ndp digits train (required)")
	fl.StringArrayVar(&images, "image", nil, "image file, glob or directory of images (repeatable; required)")
	fl.StringVar(&out, "out", "", "PNG of the framed images with their trajectories")
	fl.StringVar(&csvPath, "csv", "", "CSV of the trajectories (image,t,x,y in the input's pixels); with neither --out nor --csv, CSV goes to stdout")
	fl.IntVar(&hz, "hz", 0, "points per second of the one-second motion, integrated through the writer's DMP (0: the dataset's 301)")
	fl.IntVar(&refine, "refine", imitation.DefaultRefine, "rounds fitting the trajectory to the image's ink through a DMP (0: the writer's prediction as is)")
	fl.StringVar(&startFrom, "start-from", "", "a cnn writer trained without --start-input whose predicted first point is each image's start (a better guess than the default search)")
	fl.StringVar(&start, "start", "", "the pen's start x,y in the image's pixels (DMP writers and --start-input writers; default: the best fit to the ink)")
	fl.StringVar(&backendFlag, "backend", "", `GoMLX backend (default "go")`)
	_ = cmd.MarkFlagRequired("policy")
	_ = cmd.MarkFlagRequired("image")
	digitsCmd.AddCommand(cmd)
}

// reportInkFit says how well each trajectory runs over its image's ink
// (imitation.InkFit), the one check a user has on an image without ground
// truth: the mean over the images and the worst one.
func reportInkFit(w io.Writer, paths []string, canvases [][]uint8, trajs [][]float32) error {
	sum, worst, at := 0.0, -1.0, 0
	for i, tr := range trajs {
		f, err := imitation.InkFit(tr, canvases[i])
		if err != nil {
			return fmt.Errorf("%s: %w", paths[i], err)
		}
		sum += f
		if f > worst {
			worst, at = f, i
		}
	}
	if len(trajs) == 1 {
		fmt.Fprintf(w, "ink fit %.2f px (%s)\n", worst, inkFitHint)
		return nil
	}
	fmt.Fprintf(w, "ink fit: mean %.2f px over %d images, worst %.2f px (%s) (%s)\n",
		sum/float64(len(trajs)), len(trajs), worst, filepath.Base(paths[at]), inkFitHint)
	return nil
}

// inkFitHint calibrates the ink fit for users (measured in
// imitation.TestInkFitOfTruth's data: generated digits and their own paths).
const inkFitHint = "mean distance between path and ink both ways; a generated digit's own path scores about 0.9"

// expandImages turns --image values (files, globs, directories) into files.
func expandImages(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if fi, err := os.Stat(a); err == nil && fi.IsDir() {
			entries, err := os.ReadDir(a)
			if err != nil {
				return nil, fmt.Errorf("--image: %w", err)
			}
			n := len(out)
			for _, e := range entries {
				switch strings.ToLower(filepath.Ext(e.Name())) {
				case ".png", ".jpg", ".jpeg", ".gif":
					out = append(out, filepath.Join(a, e.Name()))
				}
			}
			if len(out) == n {
				return nil, fmt.Errorf("--image: no PNG, JPEG or GIF files in directory %s", a)
			}
			continue
		}
		if strings.ContainsAny(a, "*?[") {
			m, err := filepath.Glob(a)
			if err != nil {
				return nil, fmt.Errorf("--image %q: %w", a, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("--image %q matches no files", a)
			}
			slices.Sort(m)
			out = append(out, m...)
			continue
		}
		out = append(out, a)
	}
	if len(out) > maxWriteImages {
		return nil, fmt.Errorf("--image: %d images, at most %d at once", len(out), maxWriteImages)
	}
	return out, nil
}

// frameFile decodes an image file and frames its digit.
func frameFile(path string) (*digits.Framed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--image: %w", err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("--image %s: not a PNG, JPEG or GIF image: %w", path, err)
	}
	if float64(cfg.Width)*float64(cfg.Height) > 1<<26 {
		return nil, fmt.Errorf("--image %s: %d×%d pixels, at most 64 Mpx", path, cfg.Width, cfg.Height)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("--image %s: %w", path, err)
	}
	fr, err := digits.Frame(img)
	if err != nil {
		return nil, fmt.Errorf("--image %s: %w", path, err)
	}
	return fr, nil
}

// writeTrajCSV writes image,t,x,y rows in each input image's pixels.
func writeTrajCSV(w io.Writer, paths []string, framed []*digits.Framed, trajs [][]float32) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"image", "t", "x", "y"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	for i, tr := range trajs {
		n := len(tr) / 2
		for k := range n {
			x, y := framed[i].ToSource(float64(tr[2*k]), float64(tr[2*k+1]))
			_ = cw.Write([]string{paths[i], f(float64(k) / float64(n-1)), f(x), f(y)})
		}
	}
	cw.Flush()
	return cw.Error()
}
