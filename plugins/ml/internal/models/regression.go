package models

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Regression is a fitted linear or logistic regression, in the features'
// own units: y = Intercept + Coefficients·x (for logistic regression, the
// log-odds of class 1).
type Regression struct {
	Logistic     bool      `json:"logistic,omitempty"`
	Intercept    float64   `json:"intercept"`
	Coefficients []float64 `json:"coefficients"`
	// Epochs is how many epochs training ran.
	Epochs int `json:"epochs"`
}

// Predict returns the model's output for one row: the value (linear) or
// the probability of class 1 (logistic).
func (r *Regression) Predict(x []float64) float64 {
	z := r.Intercept + floats.Dot(r.Coefficients, x)
	if r.Logistic {
		return sigmoid(z)
	}
	return z
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// log1pExp is log(1 + e^z) without overflow.
func log1pExp(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}

// TrainLinear fits least squares (plus o.L2 on standardized coefficients)
// by L-BFGS. The epoch metric is R² on the training rows.
func TrainLinear(ctx context.Context, x [][]float64, y []float64, o Options, onEpoch EpochFunc) (*Regression, error) {
	return train(ctx, x, y, o, false, onEpoch)
}

// TrainLogistic fits a logistic regression of y (0 or 1) by L-BFGS on the
// mean log-loss (plus o.L2). The epoch metric is the accuracy on the
// training rows.
func TrainLogistic(ctx context.Context, x [][]float64, y []float64, o Options, onEpoch EpochFunc) (*Regression, error) {
	for i, v := range y {
		if v != 0 && v != 1 {
			return nil, fmt.Errorf("models: target %d is %v; logistic regression needs 0 or 1", i, v)
		}
	}
	return train(ctx, x, y, o, true, onEpoch)
}

// errStop carries the reason training was stopped from the recorder.
type errStop struct{ err error }

func (e errStop) Error() string { return e.err.Error() }

func train(ctx context.Context, x [][]float64, y []float64, o Options, logistic bool, onEpoch EpochFunc) (*Regression, error) {
	if err := checkRows(x, y, 2); err != nil {
		return nil, err
	}
	if o.MaxEpochs <= 0 {
		o.MaxEpochs = 100
	}
	if o.Tolerance <= 0 {
		o.Tolerance = 1e-9
	}
	began := time.Now()
	n, d := len(x), len(x[0])
	sc := fitScaler(x)
	// Z: standardized features with a leading column of ones (the intercept).
	z := mat.NewDense(n, d+1, nil)
	row := make([]float64, d)
	for i := range x {
		sc.apply(x[i], row)
		z.Set(i, 0, 1)
		for j, v := range row {
			z.Set(i, j+1, v)
		}
	}
	yv := mat.NewVecDense(n, append([]float64(nil), y...))
	pred := mat.NewVecDense(n, nil)
	resid := mat.NewVecDense(n, nil)
	gradV := mat.NewVecDense(d+1, nil)
	var cacheW []float64
	// eval computes the loss and, in resid, what the gradient needs.
	eval := func(w []float64) (float64, error) {
		if err := ctxErr(ctx); err != nil {
			return math.NaN(), err
		}
		if cacheW != nil && floats.Equal(cacheW, w) {
			return lossFrom(resid, pred, yv, w, o.L2, logistic), nil
		}
		pred.MulVec(z, mat.NewVecDense(d+1, w))
		if logistic {
			for i := range n {
				resid.SetVec(i, sigmoid(pred.AtVec(i))-yv.AtVec(i))
			}
		} else {
			resid.SubVec(pred, yv)
		}
		cacheW = append(cacheW[:0], w...)
		return lossFrom(resid, pred, yv, w, o.L2, logistic), nil
	}
	var stopErr error
	prob := optimize.Problem{
		Func: func(w []float64) float64 {
			f, err := eval(w)
			if err != nil {
				stopErr = err
			}
			return f
		},
		Grad: func(grad, w []float64) {
			if _, err := eval(w); err != nil {
				stopErr = err
				for i := range grad {
					grad[i] = math.NaN()
				}
				return
			}
			gradV.MulVec(z.T(), resid)
			gradV.ScaleVec(1/float64(n), gradV)
			copy(grad, gradV.RawVector().Data)
			for j := 1; j <= d; j++ {
				grad[j] += o.L2 * w[j]
			}
		},
	}
	epochs := 0
	rec := recorder(func(loc *optimize.Location, op optimize.Operation) error {
		if err := ctxErr(ctx); err != nil {
			return errStop{err}
		}
		if stopErr != nil {
			return errStop{stopErr}
		}
		if op != optimize.MajorIteration {
			return nil
		}
		epochs++
		metric := fitMetric(z, yv, loc.X, logistic)
		if onEpoch != nil {
			if err := onEpoch(Epoch{N: epochs, Loss: loc.F, Metric: metric, Elapsed: time.Since(began)}); err != nil {
				return errStop{err}
			}
		}
		return nil
	})
	settings := &optimize.Settings{
		MajorIterations:   o.MaxEpochs,
		GradientThreshold: 1e-10,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-14, Relative: o.Tolerance, Iterations: 3},
		Recorder:          rec,
	}
	res, err := optimize.Minimize(prob, make([]float64, d+1), settings, &optimize.LBFGS{})
	var stop errStop
	if errors.As(err, &stop) {
		return nil, stop.err
	}
	if cerr := ctxErr(ctx); cerr != nil {
		return nil, cerr
	}
	if err != nil && res == nil {
		return nil, fmt.Errorf("models: optimization failed: %w", err)
	}
	w := res.X
	// Back to the features' units: w_j / scale_j, and the intercept
	// absorbs the means.
	m := &Regression{Logistic: logistic, Coefficients: make([]float64, d), Intercept: w[0], Epochs: epochs}
	for j := range d {
		m.Coefficients[j] = w[j+1] / sc.Scale[j]
		m.Intercept -= m.Coefficients[j] * sc.Mean[j]
	}
	return m, nil
}

func lossFrom(resid, pred, y *mat.VecDense, w []float64, l2 float64, logistic bool) float64 {
	n := resid.Len()
	var l float64
	if logistic {
		for i := range n {
			zi := pred.AtVec(i)
			// -[y log σ(z) + (1-y) log(1-σ(z))] = log(1+e^z) - y z
			l += log1pExp(zi) - y.AtVec(i)*zi
		}
		l /= float64(n)
	} else {
		l = mat.Dot(resid, resid) / (2 * float64(n))
	}
	pen := 0.0
	for j := 1; j < len(w); j++ {
		pen += w[j] * w[j]
	}
	return l + l2/2*pen
}

// fitMetric is R² (linear) or accuracy (logistic) of weights w on Z.
func fitMetric(z *mat.Dense, y *mat.VecDense, w []float64, logistic bool) float64 {
	n, _ := z.Dims()
	p := mat.NewVecDense(n, nil)
	p.MulVec(z, mat.NewVecDense(len(w), append([]float64(nil), w...)))
	if logistic {
		right := 0
		for i := range n {
			if (p.AtVec(i) >= 0) == (y.AtVec(i) == 1) {
				right++
			}
		}
		return float64(right) / float64(n)
	}
	return RSquared(y.RawVector().Data, p.RawVector().Data)
}

// RSquared is the coefficient of determination of predictions p for y.
func RSquared(y, p []float64) float64 {
	mean := floats.Sum(y) / float64(len(y))
	var ssRes, ssTot float64
	for i := range y {
		ssRes += (y[i] - p[i]) * (y[i] - p[i])
		ssTot += (y[i] - mean) * (y[i] - mean)
	}
	if ssTot == 0 {
		return 0
	}
	return 1 - ssRes/ssTot
}

// recorder adapts a function to optimize.Recorder.
type recorder func(*optimize.Location, optimize.Operation) error

func (r recorder) Init() error { return nil }
func (r recorder) Record(loc *optimize.Location, op optimize.Operation, _ *optimize.Stats) error {
	return r(loc, op)
}
