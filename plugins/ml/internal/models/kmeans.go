package models

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"gonum.org/v1/gonum/floats"
)

// KMeans is a fitted k-means model: centroids in the features' units.
// Points are assigned in standardized space (each feature scaled to unit
// variance), so features of large units do not dominate.
type KMeans struct {
	Centroids [][]float64 `json:"centroids"`
	Sizes     []int       `json:"sizes"`
	Scaler    scaler      `json:"scaler"`
	// Inertia is the mean squared distance of points to their centroid,
	// in standardized units.
	Inertia float64 `json:"inertia"`
	Epochs  int     `json:"epochs"`

	once sync.Once
	std  [][]float64 // standardized centroids, built on first use
}

// Assign returns the index of x's nearest centroid and the distance to it
// (in standardized units).
func (m *KMeans) Assign(x []float64) (int, float64) {
	m.once.Do(func() {
		m.std = make([][]float64, len(m.Centroids))
		for i, c := range m.Centroids {
			m.std[i] = make([]float64, len(c))
			m.Scaler.apply(c, m.std[i])
		}
	})
	p := make([]float64, len(x))
	m.Scaler.apply(x, p)
	best, bd := 0, math.Inf(1)
	for i, c := range m.std {
		if d := floats.Distance(p, c, 2); d < bd {
			best, bd = i, d
		}
	}
	return best, bd
}

// TrainKMeans clusters x into o.K clusters: k-means++ seeds (o.Seed), then
// Lloyd's iterations until no point changes cluster, the mean squared
// distance improves by less than o.Tolerance (relatively), or o.MaxEpochs.
// The epoch loss is that mean squared distance, the metric the share of
// points that changed cluster.
func TrainKMeans(ctx context.Context, x [][]float64, o Options, onEpoch EpochFunc) (*KMeans, error) {
	if o.K < 1 {
		return nil, fmt.Errorf("models: k-means needs k >= 1, got %d", o.K)
	}
	if err := checkRows(x, nil, o.K); err != nil {
		return nil, err
	}
	if o.MaxEpochs <= 0 {
		o.MaxEpochs = 300
	}
	if o.Tolerance <= 0 {
		o.Tolerance = 1e-6
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	began := time.Now()
	n, d := len(x), len(x[0])
	sc := fitScaler(x)
	pts := make([][]float64, n)
	flat := make([]float64, n*d)
	for i := range x {
		pts[i] = flat[i*d : (i+1)*d]
		sc.apply(x[i], pts[i])
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	cents, err := seedPlusPlus(ctx, pts, o.K, rng)
	if err != nil {
		return nil, err
	}
	assign := make([]int, n)
	for i := range assign {
		assign[i] = -1
	}
	sums := make([][]float64, o.K)
	for i := range sums {
		sums[i] = make([]float64, d)
	}
	counts := make([]int, o.K)
	prev := math.Inf(1)
	m := &KMeans{Scaler: sc}
	for epoch := 1; epoch <= o.MaxEpochs; epoch++ {
		moved := 0
		var inertia float64
		for i := range sums {
			clear(sums[i])
			counts[i] = 0
		}
		for i, p := range pts {
			if i%checkEvery == 0 {
				if err := ctxErr(ctx); err != nil {
					return nil, err
				}
			}
			best, bd := 0, math.Inf(1)
			for c, cent := range cents {
				dist := floats.Distance(p, cent, 2)
				if dist < bd {
					best, bd = c, dist
				}
			}
			if assign[i] != best {
				moved++
				assign[i] = best
			}
			inertia += bd * bd
			floats.Add(sums[best], p)
			counts[best]++
		}
		for c := range cents {
			if counts[c] == 0 {
				// An empty cluster takes the point farthest from its centroid.
				far, fd := 0, -1.0
				for i, p := range pts {
					if dist := floats.Distance(p, cents[assign[i]], 2); dist > fd {
						far, fd = i, dist
					}
				}
				copy(cents[c], pts[far])
				continue
			}
			floats.ScaleTo(cents[c], 1/float64(counts[c]), sums[c])
		}
		inertia /= float64(n)
		m.Epochs, m.Inertia = epoch, inertia
		if onEpoch != nil {
			if err := onEpoch(Epoch{N: epoch, Loss: inertia, Metric: float64(moved) / float64(n), Elapsed: time.Since(began)}); err != nil {
				return nil, err
			}
		}
		if moved == 0 || (!math.IsInf(prev, 1) && prev-inertia <= o.Tolerance*prev) {
			break
		}
		prev = inertia
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	m.Sizes = make([]int, o.K)
	for _, a := range assign {
		m.Sizes[a]++
	}
	m.Centroids = make([][]float64, o.K)
	for c, cent := range cents {
		m.Centroids[c] = make([]float64, d)
		for j, v := range cent {
			m.Centroids[c][j] = v*sc.Scale[j] + sc.Mean[j]
		}
	}
	return m, nil
}

// seedPlusPlus picks k seeds by greedy k-means++: the first at random;
// for each next, 2+ln(k) candidates drawn with a probability proportional
// to their squared distance to the nearest seed, keeping the one that
// lowers the total squared distance most.
func seedPlusPlus(ctx context.Context, pts [][]float64, k int, rng *rand.Rand) ([][]float64, error) {
	d := len(pts[0])
	cents := [][]float64{append(make([]float64, 0, d), pts[rng.IntN(len(pts))]...)}
	dist := make([]float64, len(pts))
	for i, p := range pts {
		dd := floats.Distance(p, cents[0], 2)
		dist[i] = dd * dd
	}
	tries := 2 + int(math.Log(float64(k)))
	next := make([]float64, len(pts))
	best := make([]float64, len(pts))
	for len(cents) < k {
		if err := ctxErr(ctx); err != nil {
			return nil, err
		}
		total := floats.Sum(dist)
		bestPot, bestPick := math.Inf(1), 0
		for range tries {
			pick := rng.IntN(len(pts))
			if total > 0 {
				r := rng.Float64() * total
				for i, w := range dist {
					r -= w
					if r <= 0 {
						pick = i
						break
					}
				}
			}
			pot := 0.0
			for i, p := range pts {
				dd := floats.Distance(p, pts[pick], 2)
				next[i] = math.Min(dist[i], dd*dd)
				pot += next[i]
			}
			if pot < bestPot {
				bestPot, bestPick = pot, pick
				copy(best, next)
			}
		}
		cents = append(cents, append(make([]float64, 0, d), pts[bestPick]...))
		copy(dist, best)
	}
	return cents, nil
}
