package models

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestLinearRecoversCoefficients: y = 3 + 2·x1 − 0.5·x2 + 10·x3 + noise
// (σ = 0.1) over features of very different scales; the fit lands within
// 0.01 of every true coefficient and R² is near 1.
func TestLinearRecoversCoefficients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	truth := []float64{2, -0.5, 10}
	const intercept = 3.0
	n := 20_000
	x := make([][]float64, n)
	y := make([]float64, n)
	for i := range n {
		x[i] = []float64{rng.NormFloat64() * 5, rng.Float64() * 1000, rng.NormFloat64() * 0.1}
		y[i] = intercept + truth[0]*x[i][0] + truth[1]*x[i][1] + truth[2]*x[i][2] + rng.NormFloat64()*0.1
	}
	var epochs []Epoch
	m, err := TrainLinear(t.Context(), x, y, Options{}, func(e Epoch) error { epochs = append(epochs, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	const tol = 0.01
	for j, w := range truth {
		if math.Abs(m.Coefficients[j]-w) > tol {
			t.Fatalf("coefficient %d = %v, want %v ± %v", j, m.Coefficients[j], w, tol)
		}
	}
	if math.Abs(m.Intercept-intercept) > 0.05 {
		t.Fatalf("intercept = %v, want %v", m.Intercept, intercept)
	}
	last := epochs[len(epochs)-1]
	if len(epochs) < 2 || last.Metric < 0.999 || last.Loss > epochs[0].Loss {
		t.Fatalf("epochs = %+v", epochs)
	}
	if got := m.Predict([]float64{1, 100, 0.5}); math.Abs(got-(3+2-50+5)) > 0.1 {
		t.Fatalf("predict = %v", got)
	}
}

// TestLogisticRecoversCoefficients: P(y=1) = σ(−1 + 1.5·x1 − 2·x2) over
// 50,000 rows; the fit lands within 0.1 of every true coefficient.
func TestLogisticRecoversCoefficients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 50_000
	x := make([][]float64, n)
	y := make([]float64, n)
	for i := range n {
		x[i] = []float64{rng.NormFloat64(), rng.NormFloat64() * 2}
		p := sigmoid(-1 + 1.5*x[i][0] - 2*x[i][1])
		if rng.Float64() < p {
			y[i] = 1
		}
	}
	var last Epoch
	m, err := TrainLogistic(t.Context(), x, y, Options{}, func(e Epoch) error { last = e; return nil })
	if err != nil {
		t.Fatal(err)
	}
	const tol = 0.1
	want := []float64{1.5, -2}
	for j := range want {
		if math.Abs(m.Coefficients[j]-want[j]) > tol {
			t.Fatalf("coefficient %d = %v, want %v ± %v", j, m.Coefficients[j], want[j], tol)
		}
	}
	if math.Abs(m.Intercept-(-1)) > tol {
		t.Fatalf("intercept = %v, want -1 ± %v", m.Intercept, tol)
	}
	if last.Metric < 0.8 {
		t.Fatalf("accuracy %v", last.Metric)
	}
	if _, err := TrainLogistic(t.Context(), x[:3], []float64{0, 2, 1}, Options{}, nil); err == nil {
		t.Fatal("a target of 2 was accepted")
	}
}

// TestKMeansRecoversPlantedClusters: four Gaussian blobs with known
// centers; every center is found within 0.15 and more than 99% of the
// points of a blob share one cluster.
func TestKMeansRecoversPlantedClusters(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	centers := [][]float64{{0, 0}, {10, 10}, {-10, 8}, {6, -9}}
	var x [][]float64
	var label []int
	for c, ctr := range centers {
		for range 2500 {
			x = append(x, []float64{ctr[0] + rng.NormFloat64(), ctr[1] + rng.NormFloat64()})
			label = append(label, c)
		}
	}
	m, err := TrainKMeans(t.Context(), x, Options{K: 4, Seed: 7}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Epochs < 2 {
		t.Fatalf("Lloyd's iterations ran %d epochs", m.Epochs)
	}
	for _, ctr := range centers {
		best := math.Inf(1)
		for _, c := range m.Centroids {
			best = math.Min(best, math.Hypot(c[0]-ctr[0], c[1]-ctr[1]))
		}
		if best > 0.15 {
			t.Fatalf("no centroid within 0.15 of %v: %v", ctr, m.Centroids)
		}
	}
	for c := range centers {
		votes := map[int]int{}
		total := 0
		for i, l := range label {
			if l == c {
				k, _ := m.Assign(x[i])
				votes[k]++
				total++
			}
		}
		top := 0
		for _, v := range votes {
			top = max(top, v)
		}
		if float64(top)/float64(total) < 0.99 {
			t.Fatalf("blob %d is split: %v", c, votes)
		}
	}
}

// TestBandFindsAnomalies: a metric around 100 (σ = 5) with a few spikes;
// the band is fitted to the normal points and flags the spikes.
func TestBandFindsAnomalies(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	var v []float64
	for i := range 2000 {
		x := 100 + rng.NormFloat64()*5
		if i%250 == 0 {
			x = 400
		}
		v = append(v, x)
	}
	b, err := TrainBand(t.Context(), v, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(b.Center-100) > 1 || math.Abs(b.Sigma-5) > 0.5 {
		t.Fatalf("band = %+v, want center 100 σ 5", b)
	}
	if !b.Outside(400) || b.Outside(108) || !b.Outside(70) {
		t.Fatalf("band %+v misjudges", b)
	}
}

// TestCancelStopsTraining: a cancelled context stops each trainer within
// a pass and returns no model.
func TestCancelStopsTraining(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([][]float64, 200_000)
	y := make([]float64, len(x))
	for i := range x {
		x[i] = []float64{rng.Float64(), rng.Float64(), rng.Float64(), rng.Float64()}
		y[i] = float64(rng.IntN(2))
	}
	for name, train := range map[string]func(ctx context.Context, onEpoch EpochFunc) (any, error){
		"linear": func(ctx context.Context, f EpochFunc) (any, error) {
			return TrainLinear(ctx, x, y, Options{MaxEpochs: 10_000}, f)
		},
		"logistic": func(ctx context.Context, f EpochFunc) (any, error) {
			return TrainLogistic(ctx, x, y, Options{MaxEpochs: 10_000}, f)
		},
		"kmeans": func(ctx context.Context, f EpochFunc) (any, error) {
			return TrainKMeans(ctx, x, Options{K: 50, MaxEpochs: 10_000, Tolerance: 1e-300}, f)
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			var cancelled time.Time
			m, err := train(ctx, func(e Epoch) error {
				if e.N == 1 {
					cancelled = time.Now()
					cancel()
				}
				return nil
			})
			if !errors.Is(err, context.Canceled) || !isNil(m) {
				t.Fatalf("model %v, err %v", m, err)
			}
			if took := time.Since(cancelled); took > time.Second {
				t.Fatalf("stopped %v after the cancel", took)
			}
		})
	}
}

func isNil(v any) bool {
	switch m := v.(type) {
	case *Regression:
		return m == nil
	case *KMeans:
		return m == nil
	}
	return v == nil
}
