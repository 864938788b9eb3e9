package models

import (
	"context"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"
)

// Band is an anomaly detector for one metric: values within
// Center ± K·Sigma are normal. With Adapt > 0, Observe moves the center
// and spread toward normal values seen live (an exponentially weighted
// mean and variance), so the band follows slow drifts.
type Band struct {
	Center float64 `json:"center"`
	Sigma  float64 `json:"sigma"`
	K      float64 `json:"k"`
	Adapt  float64 `json:"adapt,omitempty"`
	// Outliers is the share of training points outside the final band.
	Outliers float64 `json:"outliers"`
	Epochs   int     `json:"epochs"`
}

// Bounds returns the band's lower and upper limits.
func (b *Band) Bounds() (lo, hi float64) { return b.Center - b.K*b.Sigma, b.Center + b.K*b.Sigma }

// Score is how many standard deviations x is from the center.
func (b *Band) Score(x float64) float64 {
	if b.Sigma == 0 {
		if x == b.Center {
			return 0
		}
		return math.Inf(1)
	}
	return math.Abs(x-b.Center) / b.Sigma
}

// Outside reports whether x leaves the band.
func (b *Band) Outside(x float64) bool { return b.Score(x) > b.K }

// Observe feeds a live value: a normal one adapts the band (Adapt > 0);
// it reports whether x was outside.
func (b *Band) Observe(x float64) bool {
	out := b.Outside(x)
	if !out && b.Adapt > 0 {
		a := b.Adapt
		diff := x - b.Center
		b.Center += a * diff
		b.Sigma = math.Sqrt((1 - a) * (b.Sigma*b.Sigma + a*diff*diff))
	}
	return out
}

// TrainBand fits a band to a metric's history: it starts from the median
// and the median absolute deviation (robust to the anomalies the history
// may hold), then each epoch takes the mean and standard deviation of the
// points inside the current band and redraws it, until the set of points
// inside stops changing. The epoch loss is the standard deviation, the
// metric the share of points outside.
func TrainBand(ctx context.Context, values []float64, o Options, onEpoch EpochFunc) (*Band, error) {
	if len(values) < 3 {
		return nil, ErrNoData
	}
	if o.MaxEpochs <= 0 {
		o.MaxEpochs = 100
	}
	k := o.BandK
	if k <= 0 {
		k = 3
	}
	began := time.Now()
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	med := stat.Quantile(0.5, stat.Empirical, sorted, nil)
	dev := make([]float64, len(values))
	for i, v := range values {
		dev[i] = math.Abs(v - med)
	}
	slices.Sort(dev)
	sigma := 1.4826 * stat.Quantile(0.5, stat.Empirical, dev, nil)
	if sigma == 0 {
		_, sigma = stat.MeanStdDev(values, nil)
	}
	b := &Band{Center: med, Sigma: sigma, K: k}
	inside := make([]bool, len(values))
	in := make([]float64, 0, len(values))
	for epoch := 1; epoch <= o.MaxEpochs; epoch++ {
		if err := ctxErr(ctx); err != nil {
			return nil, err
		}
		in = in[:0]
		changed := false
		for i, v := range values {
			ok := !b.Outside(v)
			if ok != inside[i] {
				changed = true
				inside[i] = ok
			}
			if ok {
				in = append(in, v)
			}
		}
		if len(in) >= 2 {
			b.Center, b.Sigma = stat.MeanStdDev(in, nil)
		}
		out := 0
		for _, v := range values {
			if b.Outside(v) {
				out++
			}
		}
		b.Outliers, b.Epochs = float64(out)/float64(len(values)), epoch
		if onEpoch != nil {
			if err := onEpoch(Epoch{N: epoch, Loss: b.Sigma, Metric: b.Outliers, Elapsed: time.Since(began)}); err != nil {
				return nil, err
			}
		}
		if !changed && epoch > 1 {
			break
		}
	}
	return b, nil
}
