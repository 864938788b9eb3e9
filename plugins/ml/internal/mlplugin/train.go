package mlplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/switchyard/switchyard/plugins/ml/internal/models"
	"github.com/switchyard/switchyard/sdk"
)

const trainSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["name", "kind", "features"],
  "properties": {
    "name": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,62}$"},
    "kind": {"enum": ["linear_regression", "logistic_regression", "kmeans", "anomaly"]},
    "dataset": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,62}$"},
    "events": {"type": "string", "pattern": "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*(\\.\\*)?$", "maxLength": 64},
    "features": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "string", "minLength": 1, "maxLength": 200}},
    "target": {"type": "string", "minLength": 1, "maxLength": 200},
    "positive": {"type": ["string", "number", "boolean"]},
    "params": {"type": "object", "additionalProperties": false, "properties": {
      "max_epochs": {"type": "integer", "minimum": 1, "maximum": 100000},
      "tolerance": {"type": "number", "minimum": 0},
      "l2": {"type": "number", "minimum": 0},
      "k": {"type": "integer", "minimum": 1, "maximum": 1000},
      "seed": {"type": "integer", "minimum": 0},
      "band_k": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
      "adapt": {"type": "number", "minimum": 0, "maximum": 1},
      "validation_split": {"type": "number", "minimum": 0, "maximum": 0.5}}},
    "live": {"type": "object", "additionalProperties": false, "required": ["event_type", "field"], "properties": {
      "event_type": {"type": "string", "maxLength": 64}, "field": {"type": "string", "minLength": 1, "maxLength": 200}}}
  }
}`

// Params are a training's settings; see models.Options.
type Params struct {
	MaxEpochs       int      `json:"max_epochs,omitempty"`
	Tolerance       float64  `json:"tolerance,omitempty"`
	L2              float64  `json:"l2,omitempty"`
	K               int      `json:"k,omitempty"`
	Seed            uint64   `json:"seed,omitempty"`
	BandK           float64  `json:"band_k,omitempty"`
	Adapt           float64  `json:"adapt,omitempty"`
	ValidationSplit *float64 `json:"validation_split,omitempty"`
}

type trainInput struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Dataset  string   `json:"dataset"`
	Events   string   `json:"events"`
	Features []string `json:"features"`
	Target   string   `json:"target"`
	Positive any      `json:"positive"`
	Params   Params   `json:"params"`
	Live     *Live    `json:"live"`
}

func (in *trainInput) check() error {
	switch {
	case (in.Dataset == "") == (in.Events == ""):
		return fieldErr("dataset", "give a dataset or an event type to train on (one of them)")
	case (in.Kind == KindLinear || in.Kind == KindLogistic) && in.Target == "":
		return fieldErr("target", in.Kind+" needs a target field")
	case (in.Kind == KindKMeans || in.Kind == KindAnomaly) && in.Target != "":
		return fieldErr("target", in.Kind+" learns without a target")
	case in.Kind == KindKMeans && in.Params.K < 1:
		return fieldErr("params.k", "k-means needs the number of clusters")
	case in.Kind == KindAnomaly && len(in.Features) != 1:
		return fieldErr("features", "an anomaly model watches one metric: give one feature")
	case in.Live != nil && in.Kind != KindAnomaly:
		return fieldErr("live", "only anomaly models watch a live metric")
	case in.Positive != nil && in.Kind != KindLogistic:
		return fieldErr("positive", "only logistic regression has a positive class")
	}
	if in.Live != nil {
		if err := validPattern(in.Live.EventType); err != nil {
			return fieldErr("live.event_type", err.Error())
		}
	}
	return nil
}

// fieldError is an invalid input naming the field at fault.
type fieldError struct{ field, msg string }

func (e *fieldError) Error() string    { return e.field + ": " + e.msg }
func (e *fieldError) Unwrap() error    { return sdk.ErrInvalidInput }
func fieldErr(field, msg string) error { return &fieldError{field: field, msg: msg} }

// RunJob implements sdk.JobRunner: the "train" job.
func (p *Plugin) RunJob(ctx context.Context, job sdk.Job, progress sdk.Progress) (json.RawMessage, error) {
	if job.Kind != "train" {
		return nil, sdk.Errorf(sdk.ErrNotFound, "job kind %q", job.Kind)
	}
	ts, err := p.tenant(job.Tenant)
	if err != nil {
		return nil, err
	}
	var in trainInput
	if err := json.Unmarshal(job.Input, &in); err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidInput, "input: %v", err)
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	if err := ts.claim(in.Name, job.ID); err != nil {
		return nil, err
	}
	defer ts.release(in.Name, job.ID)
	tr := &trainer{p: p, ts: ts, job: job, in: in, progress: progress, began: time.Now()}
	m, err := tr.run(ctx)
	if err != nil {
		status := "failed"
		if ctx.Err() != nil {
			status, err = "cancelled", context.Cause(ctx)
		}
		tr.final(ctx, status, err)
		return nil, err
	}
	tr.final(ctx, "completed", nil)
	d := m.summary()
	d["status"] = "registered"
	p.emit(ctx, ts, "ml.model.update", d)
	return json.Marshal(d)
}

func (ts *tenant) claim(name, job string) error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if cur, busy := ts.training[name]; busy && cur != job {
		return sdk.Errorf(sdk.ErrConflict, "model %s is being trained by job %s", name, cur)
	}
	ts.training[name] = job
	return nil
}

func (ts *tenant) release(name, job string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.training[name] == job {
		delete(ts.training, name)
	}
}

// trainer is one training run.
type trainer struct {
	p        *Plugin
	ts       *tenant
	job      sdk.Job
	in       trainInput
	progress sdk.Progress
	began    time.Time

	maxEpochs int
	rows      int
	last      models.Epoch
	sentAt    time.Time
	history   []float64
}

func (tr *trainer) metricName() string {
	switch tr.in.Kind {
	case KindLinear:
		return "r2"
	case KindLogistic:
		return "accuracy"
	case KindKMeans:
		return "moved"
	}
	return "outliers"
}

// epoch records an epoch and reports it: job progress always, an event at
// most every ProgressInterval.
func (tr *trainer) epoch(ctx context.Context, e models.Epoch) error {
	tr.last = e
	if len(tr.history) < 1000 {
		tr.history = append(tr.history, e.Loss)
	} else {
		copy(tr.history, tr.history[1:])
		tr.history[len(tr.history)-1] = e.Loss
	}
	tr.progress.Report(int64(e.N), int64(tr.maxEpochs))
	if e.N == 1 || time.Since(tr.sentAt) >= tr.p.opts.ProgressInterval {
		tr.sentAt = time.Now()
		tr.send(ctx, "running", nil)
	}
	return ctx.Err()
}

func (tr *trainer) send(ctx context.Context, status string, err error) {
	d := map[string]any{"job_id": tr.job.ID, "model": tr.in.Name, "kind": tr.in.Kind, "status": status,
		"epoch": tr.last.N, "max_epochs": tr.maxEpochs, "loss": num(tr.last.Loss), "metric": num(tr.last.Metric),
		"metric_name": tr.metricName(), "elapsed_ms": time.Since(tr.began).Milliseconds(), "rows": tr.rows}
	if err != nil {
		d["error"] = err.Error()
	}
	if e := tr.p.host.Emit(context.WithoutCancel(ctx), tr.ts.t, sdk.Event{Type: "ml.training.progress", Data: d}); e != nil && ctx.Err() == nil {
		tr.p.host.Logger().WarnContext(ctx, "ml.training.progress not sent", "error", e.Error())
	}
}

func (tr *trainer) final(ctx context.Context, status string, err error) { tr.send(ctx, status, err) }

func num(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}

// label reads a target value: for logistic regression 1 for the positive
// class (the "positive" input, or 1/true) and 0 otherwise.
func (tr *trainer) label() func(any) (float64, bool) {
	if tr.in.Kind != KindLogistic {
		return number
	}
	if pos := tr.in.Positive; pos != nil {
		want := fmt.Sprint(pos)
		return func(v any) (float64, bool) {
			if fmt.Sprint(v) == want {
				return 1, true
			}
			return 0, true
		}
	}
	return func(v any) (float64, bool) {
		f, ok := number(v)
		return f, ok && (f == 0 || f == 1)
	}
}

func (tr *trainer) run(ctx context.Context) (*Model, error) {
	in := tr.in
	read := featureReader(in.Features, in.Target, tr.label())
	seen := func(n int) { tr.rows = n }
	var data *table
	var err error
	source := "dataset:" + in.Dataset
	if in.Dataset != "" {
		data, err = tr.p.loadDataset(ctx, tr.ts.t, in.Dataset, read, tr.ts.cfg.MaxRows, seen)
	} else {
		source = "events:" + in.Events
		data, err = tr.p.loadEvents(ctx, tr.ts.t, in.Events, read, tr.ts.cfg.MaxRows, seen)
	}
	if err != nil {
		return nil, err
	}
	tr.rows = len(data.x)
	if len(data.x) < 3 {
		return nil, fieldErr("features", fmt.Sprintf("%d usable rows (%d skipped for missing or non-numeric values): too few to train on", len(data.x), data.skipped))
	}
	o := models.Options{MaxEpochs: in.Params.MaxEpochs, Tolerance: in.Params.Tolerance, L2: in.Params.L2, K: in.Params.K,
		Seed: in.Params.Seed, BandK: in.Params.BandK}
	switch {
	case o.MaxEpochs > 0:
	case in.Kind == KindKMeans:
		o.MaxEpochs = 300
	default:
		o.MaxEpochs = 100
	}
	tr.maxEpochs = o.MaxEpochs
	if o.Seed == 0 {
		o.Seed = 1
	}
	onEpoch := func(e models.Epoch) error { return tr.epoch(ctx, e) }
	m := &Model{Name: in.Name, Kind: in.Kind, Source: source, Features: in.Features, Target: in.Target, Positive: in.Positive,
		Params: in.Params, Rows: len(data.x), Skipped: data.skipped, Live: in.Live, JobID: tr.job.ID, TrainedBy: tr.job.Actor.UserID}
	switch in.Kind {
	case KindLinear, KindLogistic:
		trainX, trainY, valX, valY := split(data, in.Params.ValidationSplit, o.Seed)
		var r *models.Regression
		if in.Kind == KindLinear {
			r, err = models.TrainLinear(ctx, trainX, trainY, o, onEpoch)
		} else {
			r, err = models.TrainLogistic(ctx, trainX, trainY, o, onEpoch)
		}
		if err != nil {
			return nil, trainErr(err)
		}
		m.Regression, m.Epochs = r, r.Epochs
		m.Metrics = regressionMetrics(r, trainX, trainY, valX, valY)
	case KindKMeans:
		km, err := models.TrainKMeans(ctx, data.x, o, onEpoch)
		if err != nil {
			return nil, trainErr(err)
		}
		m.KMeans, m.Epochs = km, km.Epochs
		m.Metrics = map[string]any{"inertia": num(km.Inertia), "sizes": km.Sizes, "k": len(km.Centroids)}
	case KindAnomaly:
		values := make([]float64, len(data.x))
		for i, r := range data.x {
			values[i] = r[0]
		}
		b, err := models.TrainBand(ctx, values, o, onEpoch)
		if err != nil {
			return nil, trainErr(err)
		}
		b.Adapt = in.Params.Adapt
		lo, hi := b.Bounds()
		m.Band, m.Epochs = b, b.Epochs
		m.Metrics = map[string]any{"center": num(b.Center), "sigma": num(b.Sigma), "lower": num(lo), "upper": num(hi),
			"k": b.K, "outliers": num(b.Outliers)}
	}
	m.LossHistory = tr.history
	m.TookMS = time.Since(tr.began).Milliseconds()
	m.TrainedAt = time.Now().UTC()
	// Cancelled while the last epoch ended: nothing is registered.
	if err := ctx.Err(); err != nil {
		return nil, context.Cause(ctx)
	}
	if err := tr.p.register(context.WithoutCancel(ctx), tr.ts, m); err != nil {
		return nil, err
	}
	return m, nil
}

func trainErr(err error) error {
	if errors.Is(err, models.ErrNoData) {
		return fieldErr("features", err.Error())
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return sdk.Errorf(sdk.ErrInvalidInput, "training: %v", err)
}

// split holds out a share of the rows (validation_split; 0.2 by default
// from 50 rows on) for the model's metrics.
func split(t *table, share *float64, seed uint64) (trainX [][]float64, trainY []float64, valX [][]float64, valY []float64) {
	s := 0.0
	if share != nil {
		s = *share
	} else if len(t.x) >= 50 {
		s = 0.2
	}
	nVal := int(float64(len(t.x)) * s)
	if nVal == 0 {
		return t.x, t.y, nil, nil
	}
	idx := rand.New(rand.NewPCG(seed, 0xa11)).Perm(len(t.x))
	for i, j := range idx {
		if i < nVal {
			valX, valY = append(valX, t.x[j]), append(valY, t.y[j])
		} else {
			trainX, trainY = append(trainX, t.x[j]), append(trainY, t.y[j])
		}
	}
	return trainX, trainY, valX, valY
}

// regressionMetrics measures a regression on the held-out rows (or the
// training rows when none were held out).
func regressionMetrics(r *models.Regression, trainX [][]float64, trainY []float64, valX [][]float64, valY []float64) map[string]any {
	on, x, y := "validation", valX, valY
	if len(valX) == 0 {
		on, x, y = "training", trainX, trainY
	}
	p := make([]float64, len(x))
	for i := range x {
		p[i] = r.Predict(x[i])
	}
	out := map[string]any{"measured_on": on, "rows": len(x)}
	if !r.Logistic {
		var se, ae float64
		for i := range y {
			se += (y[i] - p[i]) * (y[i] - p[i])
			ae += math.Abs(y[i] - p[i])
		}
		out["r2"] = num(models.RSquared(y, p))
		out["rmse"] = num(math.Sqrt(se / float64(len(y))))
		out["mae"] = num(ae / float64(len(y)))
		return out
	}
	var tp, fp, tn, fn int
	var ll float64
	for i := range y {
		pr := math.Min(math.Max(p[i], 1e-15), 1-1e-15)
		ll -= y[i]*math.Log(pr) + (1-y[i])*math.Log(1-pr)
		switch {
		case p[i] >= 0.5 && y[i] == 1:
			tp++
		case p[i] >= 0.5:
			fp++
		case y[i] == 0:
			tn++
		default:
			fn++
		}
	}
	ratio := func(a, b int) any {
		if b == 0 {
			return nil
		}
		return float64(a) / float64(b)
	}
	out["accuracy"] = ratio(tp+tn, len(y))
	out["precision"] = ratio(tp, tp+fp)
	out["recall"] = ratio(tp, tp+fn)
	if prec, rec := ratio(tp, tp+fp), ratio(tp, tp+fn); prec != nil && rec != nil && prec.(float64)+rec.(float64) > 0 {
		out["f1"] = 2 * prec.(float64) * rec.(float64) / (prec.(float64) + rec.(float64))
	}
	out["log_loss"] = num(ll / float64(len(y)))
	return out
}
