package analyticsplugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/switchyard/switchyard/plugins/analytics/internal/query"
	"github.com/switchyard/switchyard/plugins/analytics/internal/table"
	"github.com/switchyard/switchyard/sdk"
)

// querySchema is the JSON Schema of a query (the engine checks the rest).
const querySchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["source", "aggregations"],
  "properties": {
    "source": {"type": "string", "maxLength": 80},
    "filters": {"type": "array", "maxItems": 32, "items": {"type": "object", "additionalProperties": false,
      "required": ["field", "op"], "properties": {"field": {"type": "string", "maxLength": 200}, "op": {"type": "string"},
      "value": {}, "values": {"type": "array", "maxItems": 1000}}}},
    "group_by": {"type": "array", "maxItems": 3, "items": {"type": "string", "maxLength": 200}},
    "time": {"type": "object", "additionalProperties": false, "required": ["field", "bucket"],
      "properties": {"field": {"type": "string", "maxLength": 200}, "bucket": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"}}},
    "aggregations": {"type": "array", "minItems": 1, "maxItems": 16, "items": {"type": "object", "additionalProperties": false,
      "required": ["op"], "properties": {"op": {"type": "string"}, "field": {"type": "string", "maxLength": 200}, "p": {"type": "number"}, "as": {"type": "string", "maxLength": 64}}}},
    "order_by": {"type": "array", "maxItems": 8, "items": {"type": "object", "additionalProperties": false,
      "required": ["by"], "properties": {"by": {"type": "string"}, "desc": {"type": "boolean"}}}},
    "limit": {"type": "integer", "minimum": 0, "maximum": 10000}
  }
}`

// fieldError is an invalid input naming the field at fault.
type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string    { return e.field + ": " + e.msg }
func (e *fieldError) Unwrap() error    { return sdk.ErrInvalidInput }
func fieldErr(field, msg string) error { return &fieldError{field: field, msg: msg} }

// asSDK gives the engine's errors their codes.
func asSDK(err error) error {
	var fe *query.FieldError
	if errors.As(err, &fe) {
		return &fieldError{field: fe.Field, msg: fe.Msg}
	}
	if errors.Is(err, query.ErrTooManyGroups) {
		return sdk.Errorf(sdk.ErrResourceExhausted, "%v", err)
	}
	return err
}

// decodeQuery reads a query, refusing unknown fields, and checks it.
func decodeQuery(raw []byte, root string) (query.Query, error) {
	var q query.Query
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return q, fieldErr(root, fmt.Sprintf("not a valid query: %v", err))
	}
	if err := q.Check(root); err != nil {
		return q, asSDK(err)
	}
	return q, nil
}

// Answer is a query's result with the state of its source's copy.
type Answer struct {
	*query.Result
	Source Status `json:"source"`
}

// run answers q for the organization, refreshing its source first.
func (p *Plugin) run(ctx context.Context, ts *tenant, q query.Query) (*Answer, error) {
	s := ts.source(q.Source)
	if err := p.refresh(ctx, ts, s, p.opts.QueryBudget); err != nil {
		if s.tbl.Len() == 0 {
			return nil, fmt.Errorf("source %s: %w", q.Source, err)
		}
		// Answer from the rows loaded; the status carries the error.
	}
	s.mu.Lock()
	missing := s.missing
	s.mu.Unlock()
	if missing && s.tbl.Len() == 0 {
		return nil, sdk.Errorf(sdk.ErrNotFound, "dataset %q has no records", strings.TrimPrefix(q.Source, "dataset:"))
	}
	res, err := query.Run(s.tbl, q)
	if err != nil {
		return nil, asSDK(err)
	}
	return &Answer{Result: res, Source: s.status()}, nil
}

// SourceInfo describes a source a query may name.
type SourceInfo struct {
	Source  string       `json:"source"`
	Records int64        `json:"records,omitempty"`
	Loaded  *Status      `json:"loaded,omitempty"`
	Columns []ColumnInfo `json:"columns"`
}

// ColumnInfo is one column of a loaded source.
type ColumnInfo struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// sources lists the organization's datasets, its event stream and its
// usage samples, with the columns of those loaded.
func (p *Plugin) sources(ctx context.Context, ts *tenant) (map[string]any, error) {
	infos := []SourceInfo{{Source: "events"}, {Source: "metrics"}}
	dss, err := p.host.Datasets(ts.t).List(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing datasets: %w", err)
	}
	for _, d := range dss {
		infos = append(infos, SourceInfo{Source: "dataset:" + d.Name, Records: d.Records})
	}
	ts.mu.Lock()
	loaded := make(map[string]*source, len(ts.sources))
	for k, v := range ts.sources {
		loaded[k] = v
	}
	ts.mu.Unlock()
	for i := range infos {
		infos[i].Columns = []ColumnInfo{}
		s := loaded[infos[i].Source]
		if infos[i].Source == "metrics" {
			s = ts.source("metrics")
		}
		if s == nil {
			continue
		}
		st := s.status()
		infos[i].Loaded = &st
		_ = s.tbl.Read(func(v table.View) error {
			for _, c := range v.Columns() {
				infos[i].Columns = append(infos[i].Columns, ColumnInfo{Name: c.Name, Type: c.Kind.String()})
			}
			return nil
		})
	}
	sort.SliceStable(infos[2:], func(i, j int) bool { return infos[2+i].Source < infos[2+j].Source })
	return map[string]any{"items": infos}, nil
}
