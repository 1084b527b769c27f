// Package runlog records training metrics through pluggable loggers: a CSV
// file per run (one row per update, readable by pandas or a spreadsheet), a
// one-line console summary, or both. Trainers build a [Record] per update and
// hand it to a [Logger]; what happens to it is the logger's business.
package runlog

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/ndp-go/ndp/internal/atomicfile"
)

// Field is one named metric value.
type Field struct {
	Key   string
	Value float64
}

// Record is one row of metrics, in column order.
type Record []Field

// Get returns the value of key and whether it is present.
func (r Record) Get(key string) (float64, bool) {
	for _, f := range r {
		if f.Key == key {
			return f.Value, true
		}
	}
	return 0, false
}

// Logger consumes records.
type Logger interface {
	Log(Record) error
	Close() error
}

// CSV appends records to a CSV file. Its columns are fixed by the first
// record (or by the existing header when resuming); every row is flushed at
// once, so a crash loses at most the row being written.
type CSV struct {
	f    *os.File
	w    *csv.Writer
	cols []string
}

// NewCSV creates path, or with resume appends to it after checking its header.
func NewCSV(path string, resume bool) (*CSV, error) {
	flag := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	var cols []string
	if resume {
		if f, err := os.Open(path); err == nil {
			header, err := csv.NewReader(f).Read()
			f.Close()
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("runlog: reading header of %s: %w", path, err)
			}
			cols = header
			flag = os.O_CREATE | os.O_WRONLY | os.O_APPEND
		}
	}
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		return nil, fmt.Errorf("runlog: %w", err)
	}
	return &CSV{f: f, w: csv.NewWriter(f), cols: cols}, nil
}

// Log writes one row. The first record of a new file writes the header.
func (c *CSV) Log(r Record) error {
	if c.cols == nil {
		for _, f := range r {
			c.cols = append(c.cols, f.Key)
		}
		if err := c.w.Write(c.cols); err != nil {
			return fmt.Errorf("runlog: %w", err)
		}
	}
	row := make([]string, len(c.cols))
	for i, col := range c.cols {
		if v, ok := r.Get(col); ok {
			row[i] = strconv.FormatFloat(v, 'g', 8, 64)
		}
	}
	for _, f := range r {
		if !contains(c.cols, f.Key) {
			return fmt.Errorf("runlog: metric %q is not a column of this log (%s)", f.Key, strings.Join(c.cols, ","))
		}
	}
	if err := c.w.Write(row); err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	c.w.Flush()
	return c.w.Error()
}

// Close flushes and closes the file.
func (c *CSV) Close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		c.f.Close()
		return err
	}
	return c.f.Close()
}

func contains(s []string, k string) bool {
	for _, v := range s {
		if v == k {
			return true
		}
	}
	return false
}

// Console prints the chosen keys of each record on one line to W.
type Console struct {
	W    io.Writer
	Keys []string // empty: all keys
}

// Log prints one line: key=value pairs.
func (c Console) Log(r Record) error {
	var b strings.Builder
	for _, f := range r {
		if len(c.Keys) > 0 && !contains(c.Keys, f.Key) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", f.Key, short(f.Value))
	}
	_, err := fmt.Fprintln(c.W, b.String())
	return err
}

// Close does nothing.
func (Console) Close() error { return nil }

func short(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// Multi sends every record to each logger.
type Multi []Logger

// Log forwards r to every logger and returns the first error.
func (m Multi) Log(r Record) error {
	var first error
	for _, l := range m {
		if err := l.Log(r); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Close closes every logger and returns the first error.
func (m Multi) Close() error {
	var first error
	for _, l := range m {
		if err := l.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// ReadCSV loads a log written by [CSV] as column name → values.
func ReadCSV(path string) (map[string][]float64, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("runlog: %w", err)
	}
	defer f.Close()
	return ParseCSV(f, path)
}

// ParseCSV reads a log from r as column name → values (empty fields are
// NaN); name labels errors.
func ParseCSV(r io.Reader, name string) (map[string][]float64, []string, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cols, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("runlog: %s is empty", name)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("runlog: reading %s: %w", name, err)
	}
	cols = slices.Clone(cols)
	out := make(map[string][]float64, len(cols))
	for _, c := range cols {
		if _, dup := out[c]; dup {
			return nil, nil, fmt.Errorf("runlog: %s: column %q appears twice in the header", name, c)
		}
		out[c] = nil
	}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("runlog: reading %s: %w", name, err)
		}
		for j, s := range rec {
			v := math.NaN()
			if s != "" {
				if v, err = strconv.ParseFloat(s, 64); err != nil {
					return nil, nil, fmt.Errorf("runlog: %s row %d column %s: %w", name, row, cols[j], err)
				}
			}
			out[cols[j]] = append(out[cols[j]], v)
		}
	}
	return out, cols, nil
}

// ResumeCSV opens the log at path to continue a run whose checkpoint
// covers its first keep rows: later rows (written after the checkpoint,
// before a crash) are dropped, atomically, and new rows are appended. A
// missing file starts a new log; fewer than keep rows is an error.
func ResumeCSV(path string, keep int) (*CSV, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return NewCSV(path, false)
	}
	if err != nil {
		return nil, fmt.Errorf("runlog: %w", err)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("runlog: reading %s: %w", path, err)
	}
	if len(recs) == 0 {
		return NewCSV(path, false)
	}
	if len(recs)-1 < keep {
		return nil, fmt.Errorf("runlog: %s has %d rows, but the checkpoint is %d updates in", path, len(recs)-1, keep)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(recs[:1+keep]); err != nil {
		return nil, fmt.Errorf("runlog: %w", err)
	}
	if err := atomicfile.WriteBytes(path, buf.Bytes()); err != nil {
		return nil, fmt.Errorf("runlog: %w", err)
	}
	return NewCSV(path, true)
}
