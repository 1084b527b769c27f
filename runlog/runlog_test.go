package runlog

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestCSVRoundTripAndResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.csv")
	l, err := NewCSV(path, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := l.Log(Record{{"step", float64(i)}, {"loss", 0.5 / float64(i+1)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Log(Record{{"unknown", 1}}); err == nil {
		t.Error("unknown column: want an error")
	}
	l.Close()
	l, err = NewCSV(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Log(Record{{"loss", 0.1}, {"step", 3}}); err != nil { // order follows the header
		t.Fatal(err)
	}
	l.Close()
	cols, names, err := ReadCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "step,loss" {
		t.Errorf("columns %v", names)
	}
	if len(cols["step"]) != 4 || cols["step"][3] != 3 || cols["loss"][3] != 0.1 {
		t.Errorf("resumed rows wrong: %v", cols)
	}
}

func TestConsoleAndMulti(t *testing.T) {
	var b bytes.Buffer
	m := Multi{Console{W: &b, Keys: []string{"step", "ret"}}}
	if err := m.Log(Record{{"step", 10}, {"ret", 1.23456}, {"noise", 3}}); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(b.String()); got != "step=10 ret=1.235" {
		t.Errorf("console line %q", got)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestResumeCSVDropsRowsPastTheCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.csv")
	l, err := NewCSV(path, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := l.Log(Record{{Key: "update", Value: float64(i + 1)}}); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	if _, err := ResumeCSV(path, 6); err == nil {
		t.Error("keeping more rows than the log has: want an error")
	}
	l, err = ResumeCSV(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Log(Record{{Key: "update", Value: 4}}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	cols, _, err := ReadCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := cols["update"]; len(got) != 4 || got[3] != 4 || got[2] != 3 {
		t.Errorf("updates after resume = %v, want [1 2 3 4]", got)
	}
}
