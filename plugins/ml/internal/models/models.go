package models

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/stat"
)

// Epoch reports one epoch of training.
type Epoch struct {
	N       int           // 1-based
	Loss    float64       // the objective after the epoch
	Metric  float64       // the kind's metric (R², accuracy, share of points moved, share outside the band)
	Elapsed time.Duration // since training began
}

// EpochFunc receives every epoch; an error stops training with it.
type EpochFunc func(Epoch) error

// Options tune training. Zero values pick the defaults noted.
type Options struct {
	// MaxEpochs bounds the epochs (100 for regressions and the band, 300
	// for k-means).
	MaxEpochs int
	// Tolerance ends training when an epoch improves the loss by less
	// than this, relatively (1e-9 for regressions, 1e-6 for k-means).
	Tolerance float64
	// L2 is the ridge penalty on standardized coefficients (0).
	L2 float64
	// K is the number of clusters of k-means.
	K int
	// Seed makes k-means' seeding reproducible (1).
	Seed uint64
	// BandK is the band's half-width in standard deviations (3).
	BandK float64
}

// ErrNoData: too few usable rows to train on.
var ErrNoData = errors.New("not enough data")

// checkEvery is how many rows a pass handles between context checks.
const checkEvery = 4096

// scaler standardizes columns: (x - mean) / scale.
type scaler struct {
	Mean  []float64 `json:"mean"`
	Scale []float64 `json:"scale"`
}

func fitScaler(x [][]float64) scaler {
	d := len(x[0])
	s := scaler{Mean: make([]float64, d), Scale: make([]float64, d)}
	col := make([]float64, len(x))
	for j := range d {
		for i := range x {
			col[i] = x[i][j]
		}
		m, sd := stat.MeanStdDev(col, nil)
		if sd == 0 || math.IsNaN(sd) {
			sd = 1
		}
		s.Mean[j], s.Scale[j] = m, sd
	}
	return s
}

func (s scaler) apply(row []float64, out []float64) {
	for j, v := range row {
		out[j] = (v - s.Mean[j]) / s.Scale[j]
	}
}

func checkRows(x [][]float64, y []float64, min int) error {
	if len(x) < min {
		return fmt.Errorf("%w: %d usable rows, at least %d needed", ErrNoData, len(x), min)
	}
	if y != nil && len(y) != len(x) {
		return fmt.Errorf("models: %d rows but %d targets", len(x), len(y))
	}
	d := len(x[0])
	if d == 0 {
		return fmt.Errorf("%w: no features", ErrNoData)
	}
	for i, r := range x {
		if len(r) != d {
			return fmt.Errorf("models: row %d has %d features, want %d", i, len(r), d)
		}
	}
	return nil
}

func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	return nil
}
