package mlplugin

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/switchyard/switchyard/sdk"
)

const predictSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["model"],
  "properties": {
    "model": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,62}$"},
    "version": {"type": "integer", "minimum": 1},
    "row": {"type": "object"},
    "rows": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"type": "object"}}
  }
}`

const observeSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["model", "values"],
  "properties": {
    "model": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,62}$"},
    "values": {"type": "array", "minItems": 1, "maxItems": 10000, "items": {"type": "number"}}
  }
}`

// Prediction is a model's answer for one row.
type Prediction struct {
	Value       *float64 `json:"value,omitempty"`       // linear regression
	Probability *float64 `json:"probability,omitempty"` // logistic regression: P(class 1)
	Class       *int     `json:"class,omitempty"`       // logistic regression (threshold 0.5)
	Cluster     *int     `json:"cluster,omitempty"`     // k-means
	Distance    *float64 `json:"distance,omitempty"`    // k-means, standardized units
	Anomaly     *bool    `json:"anomaly,omitempty"`     // anomaly
	Score       *float64 `json:"score,omitempty"`       // anomaly: standard deviations from the center
	Error       string   `json:"error,omitempty"`
}

// predict applies a model to a row or rows and emits
// ml.prediction.result.
func (p *Plugin) predict(ctx context.Context, ts *tenant, raw json.RawMessage) (any, error) {
	var in struct {
		Model   string            `json:"model"`
		Version int               `json:"version"`
		Row     json.RawMessage   `json:"row"`
		Rows    []json.RawMessage `json:"rows"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidInput, "input: %v", err)
	}
	single := len(in.Row) > 0
	switch {
	case single && len(in.Rows) > 0:
		return nil, fieldErr("rows", "give a row or rows, not both")
	case single:
		in.Rows = []json.RawMessage{in.Row}
	case len(in.Rows) == 0:
		return nil, fieldErr("rows", "give a row or rows to predict")
	}
	began := time.Now()
	m, err := p.version(ctx, ts, in.Model, in.Version)
	if err != nil {
		return nil, err
	}
	out := make([]Prediction, len(in.Rows))
	failed := 0
	for i, r := range in.Rows {
		obj, err := decodeObject(r)
		if err != nil {
			out[i].Error, failed = "not a JSON object", failed+1
			continue
		}
		x, _, ok := featureReader(m.Features, "", nil)(obj)
		if !ok {
			out[i].Error, failed = fmt.Sprintf("needs numeric values for %v", m.Features), failed+1
			continue
		}
		out[i] = apply(m, x)
	}
	res := map[string]any{"model": m.Name, "version": m.Version, "kind": m.Kind, "count": len(out), "failed": failed,
		"took_ms": float64(time.Since(began).Microseconds()) / 1000}
	if single {
		res["prediction"] = out[0]
	} else {
		res["predictions"] = out
	}
	ev := map[string]any{}
	for k, v := range res {
		ev[k] = v
	}
	if !single && len(out) > 100 {
		ev["predictions"], ev["omitted"] = out[:100], len(out)-100
	}
	if a, ok := sdk.ActorFrom(ctx); ok && a.UserID != "" {
		ev["actor_id"] = a.UserID
	}
	p.emit(ctx, ts, "ml.prediction.result", ev)
	return res, nil
}

func apply(m *Model, x []float64) Prediction {
	var pr Prediction
	switch {
	case m.Regression != nil && m.Regression.Logistic:
		prob := m.Regression.Predict(x)
		class := 0
		if prob >= 0.5 {
			class = 1
		}
		pr.Probability, pr.Class = &prob, &class
	case m.Regression != nil:
		v := m.Regression.Predict(x)
		pr.Value = &v
	case m.KMeans != nil:
		c, d := m.KMeans.Assign(x)
		pr.Cluster, pr.Distance = &c, &d
	case m.Band != nil:
		out := m.Band.Outside(x[0])
		s := m.Band.Score(x[0])
		pr.Anomaly, pr.Score = &out, &s
	}
	return pr
}
