// Package query is the analytics plugin's query model and engine: a small
// JSON query (filters, group-by, a time bucket, aggregations, order,
// limit) validated against a table's columns and run over it in one pass.
//
//	{"source": "dataset:orders",
//	 "filters": [{"field": "status", "op": "eq", "value": "paid"},
//	             {"field": "total", "op": "gte", "value": 10}],
//	 "group_by": ["country"],
//	 "time": {"field": "placed_at", "bucket": "day", "from": "2026-01-01T00:00:00Z"},
//	 "aggregations": [{"op": "count"}, {"op": "sum", "field": "total", "as": "revenue"},
//	                  {"op": "percentile", "field": "total", "p": 95}],
//	 "order_by": [{"by": "revenue", "desc": true}], "limit": 100}
//
// Aggregations: count, count_distinct, sum, avg, min, max and percentile
// (0-100, linear interpolation between the closest ranks, as NumPy's
// default and Excel's PERCENTILE.INC). Buckets: minute, hour, day, week
// (ISO weeks, from Monday), month, quarter, year, in UTC. Filters: eq, ne,
// lt, lte, gt, gte, in, not_in, contains, prefix, exists, missing. An
// invalid query is refused with the field at fault named
// ("query.filters.1.value").
//
// Run reads a table through table.View under its read lock; it holds no
// state and is safe for concurrent use.
package query
