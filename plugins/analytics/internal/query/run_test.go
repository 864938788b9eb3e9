package query_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchyard/switchyard/plugins/analytics/internal/query"
	"github.com/switchyard/switchyard/plugins/analytics/internal/table"
)

// dataset is a generated orders dataset, kept both as a table and as plain
// arrays the tests compute expected answers from.
type dataset struct {
	t       *table.Table
	ts      []int64 // Unix nanoseconds
	country []string
	status  []string
	amount  []float64 // NaN: missing
	qty     []float64
}

var (
	countries = []string{"FR", "DE", "US", "GB", "ES", "IT", "NL", "BE", "SE", "PL", "JP", "BR"}
	statuses  = []string{"paid", "refunded", "pending", "failed"}
	epoch     = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

func generate(n int, seed uint64) *dataset {
	rng := rand.New(rand.NewPCG(seed, 42))
	d := &dataset{t: table.New(true), ts: make([]int64, n), country: make([]string, n), status: make([]string, n),
		amount: make([]float64, n), qty: make([]float64, n)}
	rows := make([]table.Row, 0, 10_000)
	span := int64(120 * 24 * time.Hour)
	for i := range n {
		d.ts[i] = epoch.UnixNano() + rng.Int64N(span)
		d.country[i] = countries[rng.IntN(len(countries))]
		d.status[i] = statuses[min(rng.IntN(10), 3)] // paid is most common
		d.amount[i] = math.Round(math.Exp(rng.NormFloat64()+3)*100) / 100
		d.qty[i] = float64(1 + rng.IntN(10))
		fields := []table.Field{
			{Name: "placed_at", Value: table.Value{Kind: table.Time, Time: d.ts[i]}},
			{Name: "customer.country", Value: table.Str(d.country[i])},
			{Name: "status", Value: table.Str(d.status[i])},
			{Name: "qty", Value: table.Num(d.qty[i])},
		}
		if i%97 == 0 {
			d.amount[i] = math.NaN() // missing
		} else {
			fields = append(fields, table.Field{Name: "amount", Value: table.Num(d.amount[i])})
		}
		rows = append(rows, table.Row{Key: "order-" + strconv.Itoa(i), Fields: fields})
		if len(rows) == cap(rows) {
			d.t.Upsert(rows)
			rows = rows[:0]
		}
	}
	d.t.Upsert(rows)
	return d
}

var (
	bigOnce sync.Once
	big     *dataset
)

// million is the 1,000,000-row dataset, built once per test binary.
func million() *dataset {
	bigOnce.Do(func() { big = generate(1_000_000, 7) })
	return big
}

// percentile is the reference: sort, then interpolate between the closest
// ranks (h = (n-1)p/100).
func percentile(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	h := float64(len(s)-1) * p / 100
	lo := int(h)
	if lo+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

func near(t *testing.T, what string, got any, want float64) {
	t.Helper()
	var g float64
	switch x := got.(type) {
	case float64:
		g = x
	case int64:
		g = float64(x)
	case int:
		g = float64(x)
	default:
		t.Fatalf("%s = %v (%T), want %v", what, got, got, want)
	}
	if math.Abs(g-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Fatalf("%s = %v, want %v", what, g, want)
	}
}

func run(t *testing.T, d *dataset, raw string) *query.Result {
	t.Helper()
	var q query.Query
	if err := json.Unmarshal([]byte(raw), &q); err != nil {
		t.Fatal(err)
	}
	if err := q.Check("query"); err != nil {
		t.Fatal(err)
	}
	res, err := query.Run(d.t, q)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestMillionRows checks the engine against answers computed here, row by
// row, on 1,000,000 generated orders: totals with percentiles under a
// filter, group-by with an in-filter, time buckets of a day, a calendar
// month and an ISO week within a range, distinct counts.
func TestMillionRows(t *testing.T) {
	d := million()
	n := len(d.ts)
	if d.t.Len() != n {
		t.Fatalf("table has %d rows", d.t.Len())
	}

	t.Run("totals", func(t *testing.T) {
		res := run(t, d, `{"source":"dataset:orders","filters":[{"field":"status","op":"eq","value":"paid"}],
			"aggregations":[{"op":"count"},{"op":"count","field":"amount","as":"with_amount"},{"op":"sum","field":"amount"},{"op":"avg","field":"amount"},
			{"op":"min","field":"amount"},{"op":"max","field":"amount"},{"op":"percentile","field":"amount","p":50},
			{"op":"percentile","field":"amount","p":95},{"op":"percentile","field":"amount","p":99.9}]}`)
		var cnt int
		var vals []float64
		sum := 0.0
		for i := range n {
			if d.status[i] != "paid" {
				continue
			}
			cnt++
			if !math.IsNaN(d.amount[i]) {
				vals = append(vals, d.amount[i])
				sum += d.amount[i]
			}
		}
		if res.RowsMatched != cnt || len(res.Rows) != 1 {
			t.Fatalf("matched %d, want %d; rows %v", res.RowsMatched, cnt, res.Rows)
		}
		r := res.Rows[0]
		near(t, "count", r[0], float64(cnt))
		near(t, "count(amount)", r[1], float64(len(vals)))
		near(t, "sum", r[2], sum)
		near(t, "avg", r[3], sum/float64(len(vals)))
		near(t, "min", r[4], slices.Min(vals))
		near(t, "max", r[5], slices.Max(vals))
		near(t, "p50", r[6], percentile(vals, 50))
		near(t, "p95", r[7], percentile(vals, 95))
		near(t, "p99.9", r[8], percentile(vals, 99.9))
		if res.Columns[7].Name != "p95_amount" || res.Columns[8].Name != "p99.9_amount" {
			t.Fatalf("columns = %v", res.Columns)
		}
	})

	t.Run("group by country", func(t *testing.T) {
		res := run(t, d, `{"source":"dataset:orders","filters":[{"field":"amount","op":"gte","value":50},{"field":"status","op":"in","values":["paid","refunded"]}],
			"group_by":["customer.country"],"aggregations":[{"op":"count"},{"op":"sum","field":"amount","as":"revenue"},{"op":"percentile","field":"amount","p":90}],
			"order_by":[{"by":"revenue","desc":true}]}`)
		type agg struct {
			n    int
			sum  float64
			vals []float64
		}
		want := map[string]*agg{}
		for i := range n {
			if math.IsNaN(d.amount[i]) || d.amount[i] < 50 || (d.status[i] != "paid" && d.status[i] != "refunded") {
				continue
			}
			a := want[d.country[i]]
			if a == nil {
				a = &agg{}
				want[d.country[i]] = a
			}
			a.n++
			a.sum += d.amount[i]
			a.vals = append(a.vals, d.amount[i])
		}
		if len(res.Rows) != len(want) {
			t.Fatalf("%d groups, want %d", len(res.Rows), len(want))
		}
		prev := math.Inf(1)
		for _, r := range res.Rows {
			a := want[r[0].(string)]
			near(t, r[0].(string)+" count", r[1], float64(a.n))
			near(t, r[0].(string)+" revenue", r[2], a.sum)
			near(t, r[0].(string)+" p90", r[3], percentile(a.vals, 90))
			if r[2].(float64) > prev {
				t.Fatal("not ordered by revenue, descending")
			}
			prev = r[2].(float64)
		}
	})

	for _, bucket := range []string{"day", "week", "month"} {
		t.Run("bucket "+bucket, func(t *testing.T) {
			from, to := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 10, 12, 0, 0, 0, time.UTC)
			res := run(t, d, fmt.Sprintf(`{"source":"dataset:orders","time":{"field":"placed_at","bucket":%q,"from":%q,"to":%q},
				"aggregations":[{"op":"count"},{"op":"avg","field":"qty"},{"op":"count_distinct","field":"customer.country"}]}`,
				bucket, from.Format(time.RFC3339), to.Format(time.RFC3339)))
			type agg struct {
				n         int
				qty       float64
				countries map[string]bool
			}
			want := map[string]*agg{}
			for i := range n {
				ts := time.Unix(0, d.ts[i]).UTC()
				if ts.Before(from) || !ts.Before(to) {
					continue
				}
				var start time.Time
				switch bucket {
				case "day":
					start = time.Date(ts.Year(), ts.Month(), ts.Day(), 0, 0, 0, 0, time.UTC)
				case "week":
					wd := (int(ts.Weekday()) + 6) % 7 // Monday = 0
					start = time.Date(ts.Year(), ts.Month(), ts.Day()-wd, 0, 0, 0, 0, time.UTC)
				case "month":
					start = time.Date(ts.Year(), ts.Month(), 1, 0, 0, 0, 0, time.UTC)
				}
				k := start.Format(time.RFC3339)
				a := want[k]
				if a == nil {
					a = &agg{countries: map[string]bool{}}
					want[k] = a
				}
				a.n++
				a.qty += d.qty[i]
				a.countries[d.country[i]] = true
			}
			if len(res.Rows) != len(want) {
				t.Fatalf("%d buckets, want %d", len(res.Rows), len(want))
			}
			prev := ""
			for _, r := range res.Rows {
				k := r[0].(string)
				a := want[k]
				if a == nil || k <= prev {
					t.Fatalf("unexpected or unordered bucket %s", k)
				}
				prev = k
				near(t, k+" count", r[1], float64(a.n))
				near(t, k+" avg qty", r[2], a.qty/float64(a.n))
				near(t, k+" distinct countries", r[3], float64(len(a.countries)))
			}
		})
	}
}

// TestJSONRecords: records ingested from JSON (nested objects, dates,
// booleans, a column changing type) answer like their values.
func TestJSONRecords(t *testing.T) {
	tb := table.New(true)
	var rows []table.Row
	for i, raw := range []string{
		`{"id":1,"total":10.5,"paid":true,"at":"2026-02-01T10:00:00Z","customer":{"country":"FR","tier":{"level":2}}}`,
		`{"id":2,"total":"4.5","paid":false,"at":"2026-02-01","customer":{"country":"DE"}}`,
		`{"id":3,"total":20,"paid":true,"at":"2026-02-02T09:00:00+02:00","customer":{"country":"FR"},"tags":["a"]}`,
		`{"id":4,"total":null,"paid":true,"code":"A1"}`,
		`{"id":5,"code":7}`,
	} {
		fields, err := table.Flatten(json.RawMessage(raw), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, table.Row{Key: strconv.Itoa(i), Fields: fields})
	}
	tb.Upsert(rows)
	// Replacing a row replaces all its values.
	fields, _ := table.Flatten(json.RawMessage(`{"id":5,"code":"B2","total":1}`), "", nil)
	tb.Upsert([]table.Row{{Key: "4", Fields: fields}})

	d := &dataset{t: tb}
	res := run(t, d, `{"source":"dataset:x","group_by":["customer.country"],"aggregations":[{"op":"count"},{"op":"sum","field":"total"},{"op":"max","field":"at"}]}`)
	got, _ := json.Marshal(res.Rows)
	if string(got) != `[[null,2,1,null],["DE",1,4.5,"2026-02-01T00:00:00Z"],["FR",2,30.5,"2026-02-02T07:00:00Z"]]` {
		t.Fatalf("rows = %s", got)
	}
	res = run(t, d, `{"source":"dataset:x","filters":[{"field":"paid","op":"eq","value":true},{"field":"customer.tier.level","op":"missing"}],"aggregations":[{"op":"count"}]}`)
	near(t, "paid without tier", res.Rows[0][0], 2)
	res = run(t, d, `{"source":"dataset:x","group_by":["code"],"aggregations":[{"op":"count"}]}`)
	got, _ = json.Marshal(res.Rows)
	if string(got) != `[[null,3],["A1",1],["B2",1]]` {
		t.Fatalf("a column holding strings and numbers: %s", got)
	}
}

// TestValidation: a bad query is refused naming the field.
func TestValidation(t *testing.T) {
	d := generate(100, 1)
	for _, tc := range []struct{ q, field string }{
		{`{"source":"orders","aggregations":[{"op":"count"}]}`, "query.source"},
		{`{"source":"events","aggregations":[]}`, "query.aggregations"},
		{`{"source":"events","aggregations":[{"op":"median","field":"x"}]}`, "query.aggregations.0.op"},
		{`{"source":"events","aggregations":[{"op":"sum"}]}`, "query.aggregations.0.field"},
		{`{"source":"events","aggregations":[{"op":"percentile","field":"x","p":101}]}`, "query.aggregations.0.p"},
		{`{"source":"events","filters":[{"field":"x","op":"like","value":1}],"aggregations":[{"op":"count"}]}`, "query.filters.0.op"},
		{`{"source":"events","filters":[{"field":"x","op":"eq"}],"aggregations":[{"op":"count"}]}`, "query.filters.0.value"},
		{`{"source":"events","time":{"field":"t","bucket":"fortnight"},"aggregations":[{"op":"count"}]}`, "query.time.bucket"},
		{`{"source":"events","time":{"field":"t","bucket":"day","from":"yesterday"},"aggregations":[{"op":"count"}]}`, "query.time.from"},
		{`{"source":"events","aggregations":[{"op":"count"}],"order_by":[{"by":"nope"}]}`, "query.order_by.0.by"},
		{`{"source":"events","aggregations":[{"op":"count"},{"op":"count"}]}`, "query.aggregations.1.as"},
		{`{"source":"events","aggregations":[{"op":"count"}],"limit":100000}`, "query.limit"},
	} {
		var q query.Query
		if err := json.Unmarshal([]byte(tc.q), &q); err != nil {
			t.Fatal(err)
		}
		var fe *query.FieldError
		if err := q.Check("query"); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: %v, want field %s", tc.q, err, tc.field)
		}
	}
	// Checks against the columns at run time.
	for _, tc := range []struct{ q, field string }{
		{`{"source":"dataset:o","aggregations":[{"op":"sum","field":"status"}]}`, "query.aggregations.0.field"},
		{`{"source":"dataset:o","aggregations":[{"op":"sum","field":"nope"}]}`, "query.aggregations.0.field"},
		{`{"source":"dataset:o","time":{"field":"status","bucket":"day"},"aggregations":[{"op":"count"}]}`, "query.time.field"},
		{`{"source":"dataset:o","filters":[{"field":"amount","op":"gt","value":"lots"}],"aggregations":[{"op":"count"}]}`, "query.filters.0.value"},
		{`{"source":"dataset:o","filters":[{"field":"amount","op":"contains","value":"1"}],"aggregations":[{"op":"count"}]}`, "query.filters.0.op"},
	} {
		var q query.Query
		_ = json.Unmarshal([]byte(tc.q), &q)
		if err := q.Check("query"); err != nil {
			t.Fatal(err)
		}
		var fe *query.FieldError
		if _, err := query.Run(d.t, q); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: %v, want field %s", tc.q, err, tc.field)
		}
	}
}

// BenchmarkQuery1M times queries over 1,000,000 rows (target: well under
// 1 s each): go test -run '^$' -bench Query1M ./plugins/analytics/internal/query/
func BenchmarkQuery1M(b *testing.B) {
	d := million()
	for _, bc := range []struct{ name, q string }{
		{"count", `{"source":"dataset:o","aggregations":[{"op":"count"}]}`},
		{"filter+sum+avg", `{"source":"dataset:o","filters":[{"field":"status","op":"eq","value":"paid"},{"field":"amount","op":"gte","value":10}],
			"aggregations":[{"op":"count"},{"op":"sum","field":"amount"},{"op":"avg","field":"amount"}]}`},
		{"groupby+p95", `{"source":"dataset:o","group_by":["customer.country","status"],
			"aggregations":[{"op":"count"},{"op":"sum","field":"amount"},{"op":"percentile","field":"amount","p":95}]}`},
		{"day-buckets", `{"source":"dataset:o","time":{"field":"placed_at","bucket":"day"},"aggregations":[{"op":"count"},{"op":"avg","field":"amount"}]}`},
		{"month-buckets+groupby+p50", `{"source":"dataset:o","time":{"field":"placed_at","bucket":"month"},"group_by":["status"],
			"aggregations":[{"op":"count"},{"op":"percentile","field":"amount","p":50},{"op":"count_distinct","field":"customer.country"}]}`},
		{"whole-p99", `{"source":"dataset:o","aggregations":[{"op":"percentile","field":"amount","p":99}]}`},
	} {
		var q query.Query
		if err := json.Unmarshal([]byte(bc.q), &q); err != nil {
			b.Fatal(err)
		}
		if err := q.Check("query"); err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := query.Run(d.t, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
