package mlplugin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/switchyard/switchyard/sdk"
)

// lookup returns the value at a dotted path of a decoded JSON object.
func lookup(m map[string]any, path string) (any, bool) {
	cur := any(m)
	for part := range strings.SplitSeq(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// number reads a value as a number: JSON numbers, numeric strings,
// booleans (1 and 0).
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func decodeObject(raw []byte) (map[string]any, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// table is training data: feature rows and, for supervised kinds, targets.
type table struct {
	x       [][]float64
	y       []float64
	skipped int
}

// rowReader turns one decoded record into a row; ok is false to skip it.
type rowReader func(m map[string]any) (x []float64, y float64, ok bool)

func featureReader(features []string, target string, label func(any) (float64, bool)) rowReader {
	return func(m map[string]any) ([]float64, float64, bool) {
		x := make([]float64, len(features))
		for i, f := range features {
			v, ok := lookup(m, f)
			if !ok {
				return nil, 0, false
			}
			if x[i], ok = number(v); !ok {
				return nil, 0, false
			}
		}
		if target == "" {
			return x, 0, true
		}
		v, ok := lookup(m, target)
		if !ok {
			return nil, 0, false
		}
		y, ok := label(v)
		return x, y, ok
	}
}

// loadDataset reads a dataset's records into a table, at most maxRows
// usable ones, reporting progress.
func (p *Plugin) loadDataset(ctx context.Context, t sdk.Tenant, dataset string, read rowReader, maxRows int, seen func(int)) (*table, error) {
	tb := &table{}
	ds := p.host.Datasets(t)
	cursor := ""
	for {
		recs, next, err := ds.Query(ctx, dataset, sdk.Page{Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("reading dataset %s: %w", dataset, err)
		}
		for _, r := range recs {
			m, err := decodeObject(r.Data)
			if err != nil {
				tb.skipped++
				continue
			}
			x, y, ok := read(m)
			if !ok {
				tb.skipped++
				continue
			}
			tb.x, tb.y = append(tb.x, x), append(tb.y, y)
			if len(tb.x) > maxRows {
				return nil, sdk.Errorf(sdk.ErrResourceExhausted, "dataset %s has more than %d usable rows (the max_rows of the config)", dataset, maxRows)
			}
		}
		seen(len(tb.x) + tb.skipped)
		if next == "" {
			return tb, nil
		}
		cursor = next
	}
}

// loadEvents reads the organization's events of a type pattern, oldest
// first, into a table.
func (p *Plugin) loadEvents(ctx context.Context, t sdk.Tenant, pattern string, read rowReader, maxRows int, seen func(int)) (*table, error) {
	tb := &table{}
	ev := p.host.Events(t)
	var after uint64
	for {
		page, err := ev.Since(ctx, sdk.EventsQuery{After: after, Types: []string{pattern}, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("reading events: %w", err)
		}
		for _, e := range page.Events {
			m, err := decodeObject(e.Data)
			if err != nil {
				tb.skipped++
				continue
			}
			x, y, ok := read(m)
			if !ok {
				tb.skipped++
				continue
			}
			tb.x, tb.y = append(tb.x, x), append(tb.y, y)
			if len(tb.x) > maxRows {
				return nil, sdk.Errorf(sdk.ErrResourceExhausted, "more than %d usable events (the max_rows of the config)", maxRows)
			}
		}
		seen(len(tb.x) + tb.skipped)
		if page.Next <= after || page.Next >= page.Head {
			return tb, nil
		}
		after = page.Next
	}
}
