package query

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/switchyard/switchyard/plugins/analytics/internal/table"
)

// Result is a query's answer: a table of key columns then aggregation
// columns, one row per group.
type Result struct {
	Columns     []ResultColumn `json:"columns"`
	Rows        [][]any        `json:"rows"`
	RowsScanned int            `json:"rows_scanned"`
	RowsMatched int            `json:"rows_matched"`
	Groups      int            `json:"groups"`
	// Truncated is true when more groups than Limit were found.
	Truncated bool    `json:"truncated"`
	TookMS    float64 `json:"took_ms"`
}

// ResultColumn names an output column and its type (number, string, time).
type ResultColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

const nullKey = math.MinInt64

// keyCol is one group-by column (or the time bucket).
type keyCol struct {
	name   string
	col    *table.Column
	bucket string // set for the time bucket
}

func (k keyCol) key(row int) int64 {
	c := k.col
	if !c.Valid[row] {
		return nullKey
	}
	switch {
	case k.bucket != "":
		return bucketStart(k.bucket, c.Times[row])
	case c.Kind == table.Number:
		return int64(math.Float64bits(c.Nums[row]))
	case c.Kind == table.String:
		return int64(c.Codes[row])
	}
	return c.Times[row]
}

func (k keyCol) typ() string {
	if k.bucket != "" {
		return "time"
	}
	return k.col.Kind.String()
}

func (k keyCol) value(key int64) any {
	if key == nullKey {
		return nil
	}
	switch {
	case k.bucket != "" || k.col.Kind == table.Time:
		return time.Unix(0, key).UTC().Format(time.RFC3339)
	case k.col.Kind == table.Number:
		return jsonNum(math.Float64frombits(uint64(key)))
	}
	return k.col.Dict[key]
}

type groupKey [MaxGroupBy + 1]int64

type aggPlan struct {
	Aggregation
	col     *table.Column
	collect int // for percentiles: the aggregation whose values are collected
}

type aggState struct {
	n        int64
	sum      float64
	min, max float64
	vals     []float64
	distinct map[int64]struct{}
}

type group struct {
	key  groupKey
	aggs []aggState
}

// Run answers q over the table. The query must have passed Check.
func Run(t *table.Table, q Query) (*Result, error) {
	began := time.Now()
	var res *Result
	err := t.Read(func(v table.View) error {
		var err error
		res, err = run(v, q)
		return err
	})
	if err != nil {
		return nil, err
	}
	res.TookMS = float64(time.Since(began).Microseconds()) / 1000
	return res, nil
}

func column(v table.View, field, name string) (*table.Column, error) {
	c, ok := v.Column(name)
	if !ok {
		known := make([]string, 0, 16)
		for _, c := range v.Columns() {
			if len(known) == 16 {
				known = append(known, "...")
				break
			}
			known = append(known, c.Name)
		}
		return nil, fieldErr(field, "no column %q in the source (columns: %s)", name, strings.Join(known, ", "))
	}
	return c, nil
}

func run(v table.View, q Query) (*Result, error) {
	res := &Result{RowsScanned: v.Rows}
	// Plan: the filters, the key columns and the aggregations.
	var preds []func(int) bool
	for i, f := range q.Filters {
		p, err := compileFilter(v, f, fmt.Sprintf("query.filters.%d", i))
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	var keys []keyCol
	if b := q.Time; b != nil {
		c, err := column(v, "query.time.field", b.Field)
		if err != nil {
			return nil, err
		}
		if c.Kind != table.Time {
			return nil, fieldErr("query.time.field", "%q holds %ss, not times", b.Field, c.Kind)
		}
		keys = append(keys, keyCol{name: "bucket", col: c, bucket: b.Bucket})
		if b.From != "" {
			from, _ := table.ParseTime(b.From)
			preds = append(preds, func(r int) bool { return c.Valid[r] && c.Times[r] >= from })
		}
		if b.To != "" {
			to, _ := table.ParseTime(b.To)
			preds = append(preds, func(r int) bool { return c.Valid[r] && c.Times[r] < to })
		}
	}
	for i, g := range q.GroupBy {
		c, err := column(v, fmt.Sprintf("query.group_by.%d", i), g)
		if err != nil {
			return nil, err
		}
		keys = append(keys, keyCol{name: g, col: c})
	}
	plans := make([]aggPlan, len(q.Aggregations))
	collectors := map[string]int{}
	for i, a := range q.Aggregations {
		plans[i] = aggPlan{Aggregation: a, collect: -1}
		if a.Op == "count" && a.Field == "" {
			continue
		}
		c, err := column(v, fmt.Sprintf("query.aggregations.%d.field", i), a.Field)
		if err != nil {
			return nil, err
		}
		switch a.Op {
		case "sum", "avg", "percentile":
			if c.Kind != table.Number {
				return nil, fieldErr(fmt.Sprintf("query.aggregations.%d.field", i), "%s needs a number column; %q holds %ss", a.Op, a.Field, c.Kind)
			}
		case "min", "max":
			if c.Kind == table.String {
				return nil, fieldErr(fmt.Sprintf("query.aggregations.%d.field", i), "%s needs a number or time column; %q holds strings", a.Op, a.Field)
			}
		}
		plans[i].col = c
		if a.Op == "percentile" {
			if j, ok := collectors[a.Field]; ok {
				plans[i].collect = j
			} else {
				collectors[a.Field] = i
				plans[i].collect = i
			}
		}
	}

	// One pass over the rows.
	index := map[groupKey]int32{}
	var groups []*group
	newGroup := func(k groupKey) *group {
		g := &group{key: k, aggs: make([]aggState, len(plans))}
		for i := range g.aggs {
			g.aggs[i].min, g.aggs[i].max = math.Inf(1), math.Inf(-1)
		}
		groups = append(groups, g)
		return g
	}
	var single *group
	if len(keys) == 0 {
		single = newGroup(groupKey{})
	}
	// Consecutive rows often share a bucket (data arrives in time order):
	// remember the last bucket's bounds instead of recomputing them.
	var lastStart, lastEnd int64 = 1, 0
	for r := 0; r < v.Rows; r++ {
		ok := true
		for _, p := range preds {
			if !p(r) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		res.RowsMatched++
		g := single
		if g == nil {
			var k groupKey
			for i, kc := range keys {
				if kc.bucket != "" && kc.col.Valid[r] {
					ns := kc.col.Times[r]
					if ns < lastStart || ns >= lastEnd {
						lastStart = bucketStart(kc.bucket, ns)
						lastEnd = bucketEnd(kc.bucket, lastStart)
					}
					k[i] = lastStart
					continue
				}
				k[i] = kc.key(r)
			}
			gi, found := index[k]
			if !found {
				if len(groups) >= MaxGroups {
					return nil, fmt.Errorf("%w: more than %d groups; narrow the filters or the group-by", ErrTooManyGroups, MaxGroups)
				}
				gi = int32(len(groups))
				index[k] = gi
				newGroup(k)
			}
			g = groups[gi]
		}
		for i := range plans {
			pl := &plans[i]
			st := &g.aggs[i]
			if pl.col == nil {
				st.n++
				continue
			}
			c := pl.col
			if !c.Valid[r] {
				continue
			}
			switch pl.Op {
			case "count":
				st.n++
			case "count_distinct":
				if st.distinct == nil {
					st.distinct = map[int64]struct{}{}
				}
				st.distinct[keyCol{col: c}.key(r)] = struct{}{}
			case "percentile":
				if pl.collect == i {
					st.vals = append(st.vals, c.Nums[r])
				}
			default:
				x := c.Nums
				var f float64
				if c.Kind == table.Time {
					f = float64(c.Times[r])
				} else {
					f = x[r]
				}
				st.n++
				st.sum += f
				if f < st.min {
					st.min = f
				}
				if f > st.max {
					st.max = f
				}
			}
		}
	}
	res.Groups = len(groups)

	// Output.
	for _, k := range keys {
		res.Columns = append(res.Columns, ResultColumn{Name: k.name, Type: k.typ()})
	}
	for _, pl := range plans {
		typ := "number"
		if (pl.Op == "min" || pl.Op == "max") && pl.col.Kind == table.Time {
			typ = "time"
		}
		res.Columns = append(res.Columns, ResultColumn{Name: pl.Name(), Type: typ})
	}
	for _, g := range groups {
		for i := range plans {
			if plans[i].collect == i {
				slices.Sort(g.aggs[i].vals)
			}
		}
	}
	rows := make([][]any, 0, len(groups))
	for _, g := range groups {
		row := make([]any, 0, len(keys)+len(plans))
		for i, k := range keys {
			row = append(row, k.value(g.key[i]))
		}
		for i, pl := range plans {
			row = append(row, output(pl, g.aggs[i], g.aggs))
		}
		rows = append(rows, row)
	}
	sortRows(rows, res.Columns, q, len(keys))
	limit := q.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	if len(rows) > limit {
		rows, res.Truncated = rows[:limit], true
	}
	res.Rows = rows
	return res, nil
}

func output(pl aggPlan, st aggState, all []aggState) any {
	switch pl.Op {
	case "count":
		return st.n
	case "count_distinct":
		return len(st.distinct)
	case "sum":
		return jsonNum(st.sum)
	case "avg":
		if st.n == 0 {
			return nil
		}
		return jsonNum(st.sum / float64(st.n))
	case "min", "max":
		if st.n == 0 {
			return nil
		}
		f := st.min
		if pl.Op == "max" {
			f = st.max
		}
		if pl.col.Kind == table.Time {
			return time.Unix(0, int64(f)).UTC().Format(time.RFC3339Nano)
		}
		return jsonNum(f)
	case "percentile":
		return jsonNum(Percentile(all[pl.collect].vals, pl.P))
	}
	return nil
}

// Percentile returns the p-th percentile (0-100) of sorted values, by
// linear interpolation between the closest ranks; NaN for none.
func Percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := (float64(n) - 1) * p / 100
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// jsonNum turns NaN and infinities (which JSON cannot carry) into null.
func jsonNum(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}

// sortRows orders rows by q.OrderBy, else by the key columns ascending.
func sortRows(rows [][]any, cols []ResultColumn, q Query, nkeys int) {
	type ord struct {
		i    int
		desc bool
	}
	var by []ord
	for _, o := range q.OrderBy {
		for i, c := range cols {
			if c.Name == o.By {
				by = append(by, ord{i, o.Desc})
			}
		}
	}
	if len(by) == 0 {
		for i := range nkeys {
			by = append(by, ord{i: i})
		}
	}
	sort.SliceStable(rows, func(a, b int) bool {
		for _, o := range by {
			c := compare(rows[a][o.i], rows[b][o.i])
			if c != 0 {
				return (c < 0) != o.desc
			}
		}
		return false
	})
}

// compare orders nulls first, then numbers, then strings (times are RFC
// 3339 strings, which sort in time order).
func compare(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	fa, aNum := toFloat(a)
	fb, bNum := toFloat(b)
	switch {
	case aNum && bNum:
		return cmp.Compare(fa, fb)
	case aNum:
		return -1
	case bNum:
		return 1
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	}
	return 0, false
}

// compileFilter turns a filter into a predicate over rows.
func compileFilter(v table.View, f Filter, field string) (func(int) bool, error) {
	c, ok := v.Column(f.Field)
	if !ok {
		switch f.Op {
		case "missing":
			return func(int) bool { return true }, nil
		case "exists":
			return func(int) bool { return false }, nil
		}
		_, err := column(v, field+".field", f.Field)
		return nil, err
	}
	valid := c.Valid
	switch f.Op {
	case "exists":
		return func(r int) bool { return valid[r] }, nil
	case "missing":
		return func(r int) bool { return !valid[r] }, nil
	}
	switch c.Kind {
	case table.Number:
		return numberFilter(c, f, field)
	case table.Time:
		return timeFilter(c, f, field)
	}
	return stringFilter(c, f, field)
}

func numberOf(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

func numberFilter(c *table.Column, f Filter, field string) (func(int) bool, error) {
	nums, valid := c.Nums, c.Valid
	if f.Op == "in" || f.Op == "not_in" {
		set := map[float64]bool{}
		for i, v := range f.Values {
			x, ok := numberOf(v)
			if !ok {
				return nil, fieldErr(fmt.Sprintf("%s.values.%d", field, i), "%q is a number column; %v is not a number", f.Field, v)
			}
			set[x] = true
		}
		want := f.Op == "in"
		return func(r int) bool { return valid[r] && set[nums[r]] == want }, nil
	}
	x, ok := numberOf(f.Value)
	if !ok {
		return nil, fieldErr(field+".value", "%q is a number column; %v is not a number", f.Field, f.Value)
	}
	switch f.Op {
	case "eq":
		return func(r int) bool { return valid[r] && nums[r] == x }, nil
	case "ne":
		return func(r int) bool { return valid[r] && nums[r] != x }, nil
	case "lt":
		return func(r int) bool { return valid[r] && nums[r] < x }, nil
	case "lte":
		return func(r int) bool { return valid[r] && nums[r] <= x }, nil
	case "gt":
		return func(r int) bool { return valid[r] && nums[r] > x }, nil
	case "gte":
		return func(r int) bool { return valid[r] && nums[r] >= x }, nil
	}
	return nil, fieldErr(field+".op", "%s does not apply to the number column %q", f.Op, f.Field)
}

func timeFilter(c *table.Column, f Filter, field string) (func(int) bool, error) {
	times, valid := c.Times, c.Valid
	parse := func(v any, at string) (int64, error) {
		s, _ := v.(string)
		ns, ok := table.ParseTime(s)
		if !ok {
			return 0, fieldErr(at, "%q is a time column; %v is not an RFC 3339 time", f.Field, v)
		}
		return ns, nil
	}
	if f.Op == "in" || f.Op == "not_in" {
		set := map[int64]bool{}
		for i, v := range f.Values {
			ns, err := parse(v, fmt.Sprintf("%s.values.%d", field, i))
			if err != nil {
				return nil, err
			}
			set[ns] = true
		}
		want := f.Op == "in"
		return func(r int) bool { return valid[r] && set[times[r]] == want }, nil
	}
	x, err := parse(f.Value, field+".value")
	if err != nil {
		return nil, err
	}
	switch f.Op {
	case "eq":
		return func(r int) bool { return valid[r] && times[r] == x }, nil
	case "ne":
		return func(r int) bool { return valid[r] && times[r] != x }, nil
	case "lt":
		return func(r int) bool { return valid[r] && times[r] < x }, nil
	case "lte":
		return func(r int) bool { return valid[r] && times[r] <= x }, nil
	case "gt":
		return func(r int) bool { return valid[r] && times[r] > x }, nil
	case "gte":
		return func(r int) bool { return valid[r] && times[r] >= x }, nil
	}
	return nil, fieldErr(field+".op", "%s does not apply to the time column %q", f.Op, f.Field)
}

// stringFilter decides the filter once per distinct value (dictionary
// code), then rows only look their code up.
func stringFilter(c *table.Column, f Filter, field string) (func(int) bool, error) {
	text := func(v any) string {
		switch x := v.(type) {
		case string:
			return x
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64)
		case bool:
			return strconv.FormatBool(x)
		}
		return fmt.Sprint(v)
	}
	var keep func(s string) bool
	switch f.Op {
	case "in", "not_in":
		set := map[string]bool{}
		for _, v := range f.Values {
			set[text(v)] = true
		}
		want := f.Op == "in"
		keep = func(s string) bool { return set[s] == want }
	default:
		x := text(f.Value)
		switch f.Op {
		case "eq":
			keep = func(s string) bool { return s == x }
		case "ne":
			keep = func(s string) bool { return s != x }
		case "lt":
			keep = func(s string) bool { return s < x }
		case "lte":
			keep = func(s string) bool { return s <= x }
		case "gt":
			keep = func(s string) bool { return s > x }
		case "gte":
			keep = func(s string) bool { return s >= x }
		case "contains":
			keep = func(s string) bool { return strings.Contains(s, x) }
		case "prefix":
			keep = func(s string) bool { return strings.HasPrefix(s, x) }
		default:
			return nil, fieldErr(field+".op", "%s does not apply to the string column %q", f.Op, f.Field)
		}
	}
	match := make([]bool, len(c.Dict))
	for i, s := range c.Dict {
		match[i] = keep(s)
	}
	codes, valid := c.Codes, c.Valid
	return func(r int) bool { return valid[r] && match[codes[r]] }, nil
}
