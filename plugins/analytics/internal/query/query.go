package query

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/switchyard/switchyard/plugins/analytics/internal/table"
)

// Query is one analytics query.
type Query struct {
	// Source is "dataset:<name>", "events" or "metrics".
	Source       string        `json:"source"`
	Filters      []Filter      `json:"filters,omitempty"`
	GroupBy      []string      `json:"group_by,omitempty"`
	Time         *Bucket       `json:"time,omitempty"`
	Aggregations []Aggregation `json:"aggregations"`
	OrderBy      []Order       `json:"order_by,omitempty"`
	Limit        int           `json:"limit,omitempty"`
}

// Filter keeps the rows whose Field compares to Value (or Values for in
// and not_in) by Op.
type Filter struct {
	Field  string `json:"field"`
	Op     string `json:"op"`
	Value  any    `json:"value,omitempty"`
	Values []any  `json:"values,omitempty"`
}

// Bucket groups rows by a time column cut into buckets, optionally within
// [From, To).
type Bucket struct {
	Field  string `json:"field"`
	Bucket string `json:"bucket"`
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
}

// Aggregation computes one output column per group.
type Aggregation struct {
	Op    string  `json:"op"`
	Field string  `json:"field,omitempty"`
	P     float64 `json:"p,omitempty"`
	As    string  `json:"as,omitempty"`
}

// Order sorts the output by one of its columns.
type Order struct {
	By   string `json:"by"`
	Desc bool   `json:"desc,omitempty"`
}

// Limits of a query.
const (
	MaxFilters      = 32
	MaxGroupBy      = 3
	MaxAggregations = 16
	MaxLimit        = 10_000
	DefaultLimit    = 1000
	// MaxGroups bounds the groups a query may build.
	MaxGroups = 100_000
)

// FieldError is a query error naming the field at fault.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// ErrTooManyGroups: the query would build more than MaxGroups groups.
var ErrTooManyGroups = errors.New("too many groups")

var (
	sourceRE = regexp.MustCompile(`^(events|metrics|dataset:[a-z][a-z0-9_-]{0,62})$`)
	aliasRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,63}$`)
)

var buckets = map[string]bool{"minute": true, "hour": true, "day": true, "week": true, "month": true, "quarter": true, "year": true}

var ops = map[string]bool{"eq": true, "ne": true, "lt": true, "lte": true, "gt": true, "gte": true, "in": true, "not_in": true,
	"contains": true, "prefix": true, "exists": true, "missing": true}

var aggOps = map[string]bool{"count": true, "count_distinct": true, "sum": true, "avg": true, "min": true, "max": true, "percentile": true}

// Check validates the query's shape, independent of any table; root
// prefixes the fields named in errors ("query").
func (q *Query) Check(root string) error {
	f := func(s string, args ...any) string { return root + "." + fmt.Sprintf(s, args...) }
	if !sourceRE.MatchString(q.Source) {
		return fieldErr(f("source"), `must be "dataset:<name>", "events" or "metrics"`)
	}
	if len(q.Filters) > MaxFilters {
		return fieldErr(f("filters"), "at most %d filters", MaxFilters)
	}
	for i, fl := range q.Filters {
		if fl.Field == "" || len(fl.Field) > 200 {
			return fieldErr(f("filters.%d.field", i), "must name a column")
		}
		if !ops[fl.Op] {
			return fieldErr(f("filters.%d.op", i), "unknown operator %q (eq, ne, lt, lte, gt, gte, in, not_in, contains, prefix, exists, missing)", fl.Op)
		}
		switch fl.Op {
		case "in", "not_in":
			if len(fl.Values) == 0 || len(fl.Values) > 1000 {
				return fieldErr(f("filters.%d.values", i), "must hold 1 to 1000 values")
			}
		case "exists", "missing":
		default:
			if fl.Value == nil {
				return fieldErr(f("filters.%d.value", i), "is required for %s", fl.Op)
			}
		}
	}
	if len(q.GroupBy) > MaxGroupBy {
		return fieldErr(f("group_by"), "at most %d fields", MaxGroupBy)
	}
	for i, g := range q.GroupBy {
		if g == "" {
			return fieldErr(f("group_by.%d", i), "must name a column")
		}
	}
	if b := q.Time; b != nil {
		if b.Field == "" {
			return fieldErr(f("time.field"), "must name a time column")
		}
		if !buckets[b.Bucket] {
			return fieldErr(f("time.bucket"), "unknown bucket %q (minute, hour, day, week, month, quarter, year)", b.Bucket)
		}
		for name, v := range map[string]string{"from": b.From, "to": b.To} {
			if v != "" {
				if _, ok := table.ParseTime(v); !ok {
					return fieldErr(f("time.%s", name), "%q is not an RFC 3339 time", v)
				}
			}
		}
	}
	if len(q.Aggregations) == 0 || len(q.Aggregations) > MaxAggregations {
		return fieldErr(f("aggregations"), "must hold 1 to %d aggregations", MaxAggregations)
	}
	seen := map[string]bool{}
	for _, name := range q.keyNames() {
		seen[name] = true
	}
	for i, a := range q.Aggregations {
		if !aggOps[a.Op] {
			return fieldErr(f("aggregations.%d.op", i), "unknown aggregation %q (count, count_distinct, sum, avg, min, max, percentile)", a.Op)
		}
		if a.Op != "count" && a.Field == "" {
			return fieldErr(f("aggregations.%d.field", i), "%s needs a field", a.Op)
		}
		if a.Op == "percentile" && (a.P < 0 || a.P > 100) {
			return fieldErr(f("aggregations.%d.p", i), "must be between 0 and 100")
		}
		if a.As != "" && !aliasRE.MatchString(a.As) {
			return fieldErr(f("aggregations.%d.as", i), "must be a name of letters, digits, _ . -")
		}
		name := a.Name()
		if seen[name] {
			return fieldErr(f("aggregations.%d.as", i), "the output column %q is named twice", name)
		}
		seen[name] = true
	}
	for i, o := range q.OrderBy {
		if !seen[o.By] {
			return fieldErr(f("order_by.%d.by", i), "%q is not an output column", o.By)
		}
	}
	if q.Limit < 0 || q.Limit > MaxLimit {
		return fieldErr(f("limit"), "must be 0 (%d) to %d", DefaultLimit, MaxLimit)
	}
	return nil
}

// keyNames are the output columns that identify a group.
func (q *Query) keyNames() []string {
	var out []string
	if q.Time != nil {
		out = append(out, "bucket")
	}
	return append(out, q.GroupBy...)
}

// Name is the aggregation's output column: As, or op_field (count, p95_total).
func (a Aggregation) Name() string {
	switch {
	case a.As != "":
		return a.As
	case a.Op == "count":
		return "count"
	case a.Op == "percentile":
		return "p" + strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", a.P), "0"), ".") + "_" + a.Field
	}
	return a.Op + "_" + a.Field
}

// bucketStart returns the start of ns's bucket, in UTC.
func bucketStart(kind string, ns int64) int64 {
	const (
		minute = int64(time.Minute)
		hour   = int64(time.Hour)
		day    = 24 * hour
	)
	floor := func(x, d int64) int64 {
		r := x % d
		if r < 0 {
			r += d
		}
		return x - r
	}
	switch kind {
	case "minute":
		return floor(ns, minute)
	case "hour":
		return floor(ns, hour)
	case "day":
		return floor(ns, day)
	case "week":
		// 1970-01-01 was a Thursday; ISO weeks start on Monday.
		return floor(ns+3*day, 7*day) - 3*day
	}
	t := time.Unix(0, ns).UTC()
	switch kind {
	case "month":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).UnixNano()
	case "quarter":
		return time.Date(t.Year(), t.Month()-(t.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	}
	return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
}

// bucketEnd returns the start of the bucket after the one starting at start.
func bucketEnd(kind string, start int64) int64 {
	switch kind {
	case "minute":
		return start + int64(time.Minute)
	case "hour":
		return start + int64(time.Hour)
	case "day":
		return start + int64(24*time.Hour)
	case "week":
		return start + int64(7*24*time.Hour)
	}
	t := time.Unix(0, start).UTC()
	switch kind {
	case "month":
		return t.AddDate(0, 1, 0).UnixNano()
	case "quarter":
		return t.AddDate(0, 3, 0).UnixNano()
	}
	return t.AddDate(1, 0, 0).UnixNano()
}
