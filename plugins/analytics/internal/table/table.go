package table

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Kind is a column's type.
type Kind uint8

// Column kinds.
const (
	Number Kind = iota + 1
	String
	Time
)

func (k Kind) String() string {
	switch k {
	case Number:
		return "number"
	case String:
		return "string"
	case Time:
		return "time"
	}
	return "unknown"
}

// Value is one field's value; the zero Value is null.
type Value struct {
	Kind Kind
	Num  float64
	Str  string
	Time int64 // Unix nanoseconds, UTC
}

// Num, Str and TimeOf build Values.
func Num(f float64) Value      { return Value{Kind: Number, Num: f} }
func Str(s string) Value       { return Value{Kind: String, Str: s} }
func TimeOf(t time.Time) Value { return Value{Kind: Time, Time: t.UnixNano()} }

// Field is a named value of a record.
type Field struct {
	Name  string
	Value Value
}

// Row is one record to upsert.
type Row struct {
	Key    string
	Fields []Field
}

// Column is one column's values, one slot per row. Exactly one of Nums,
// Codes and Times is used, by Kind; Valid marks the rows holding a value.
type Column struct {
	Name  string
	Kind  Kind
	Valid []bool
	Nums  []float64
	Codes []uint32
	Times []int64
	// Dict maps codes to strings and back (String columns).
	Dict   []string
	lookup map[string]uint32
}

// Code returns the code of s in a String column.
func (c *Column) Code(s string) (uint32, bool) {
	code, ok := c.lookup[s]
	return code, ok
}

// Table is a set of columns over rows identified by key.
type Table struct {
	mu      sync.RWMutex
	keyed   bool
	keys    []string
	index   map[string]int32
	cols    map[string]*Column
	rows    int
	version uint64
}

// New returns an empty table; keyed tables upsert by Row.Key, others only
// append (an event stream).
func New(keyed bool) *Table {
	t := &Table{keyed: keyed, cols: map[string]*Column{}}
	if keyed {
		t.index = map[string]int32{}
	}
	return t
}

// MaxColumns bounds the columns of one table; fields beyond are dropped.
const MaxColumns = 512

// Upsert writes rows: a row whose key exists replaces the old one's
// values; others are appended. It returns how many rows were new.
func (t *Table) Upsert(rows []Row) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	added := 0
	for _, r := range rows {
		slot := -1
		if t.keyed {
			if i, ok := t.index[r.Key]; ok {
				slot = int(i)
				for _, c := range t.cols {
					c.Valid[slot] = false
				}
			}
		}
		if slot < 0 {
			slot = t.rows
			t.rows++
			added++
			if t.keyed {
				t.index[r.Key] = int32(slot)
				t.keys = append(t.keys, r.Key)
			}
			for _, c := range t.cols {
				c.grow(t.rows)
			}
		}
		for _, f := range r.Fields {
			if f.Value.Kind == 0 {
				continue
			}
			c := t.cols[f.Name]
			if c == nil {
				if len(t.cols) >= MaxColumns {
					continue
				}
				c = &Column{Name: f.Name, Kind: f.Value.Kind}
				if c.Kind == String {
					c.lookup = map[string]uint32{}
				}
				c.grow(t.rows)
				t.cols[f.Name] = c
			}
			c.set(slot, f.Value)
		}
	}
	if len(rows) > 0 {
		t.version++
	}
	return added
}

// DropOldest removes the first n rows (an append-only table kept to a
// bound). Keyed tables are left alone.
func (t *Table) DropOldest(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.keyed || n <= 0 {
		return
	}
	n = min(n, t.rows)
	for _, c := range t.cols {
		c.Valid = append([]bool(nil), c.Valid[n:]...)
		switch c.Kind {
		case Number:
			c.Nums = append([]float64(nil), c.Nums[n:]...)
		case String:
			c.Codes = append([]uint32(nil), c.Codes[n:]...)
		case Time:
			c.Times = append([]int64(nil), c.Times[n:]...)
		}
	}
	t.rows -= n
	t.version++
}

// Reset empties the table.
func (t *Table) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cols, t.rows, t.keys = map[string]*Column{}, 0, nil
	if t.keyed {
		t.index = map[string]int32{}
	}
	t.version++
}

func (c *Column) grow(n int) {
	for len(c.Valid) < n {
		c.Valid = append(c.Valid, false)
		switch c.Kind {
		case Number:
			c.Nums = append(c.Nums, 0)
		case String:
			c.Codes = append(c.Codes, 0)
		case Time:
			c.Times = append(c.Times, 0)
		}
	}
}

func (c *Column) set(slot int, v Value) {
	if v.Kind != c.Kind {
		switch {
		case c.Kind == Number && v.Kind == String:
			if f, err := strconv.ParseFloat(v.Str, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				v = Num(f)
			} else {
				c.toString()
			}
		case c.Kind == Time && v.Kind == String:
			if ns, ok := ParseTime(v.Str); ok {
				v = Value{Kind: Time, Time: ns}
			} else {
				c.toString()
			}
		default:
			c.toString()
		}
	}
	c.Valid[slot] = true
	switch c.Kind {
	case Number:
		c.Nums[slot] = v.Num
	case Time:
		c.Times[slot] = v.Time
	case String:
		c.Codes[slot] = c.code(v.text())
	}
}

func (v Value) text() string {
	switch v.Kind {
	case Number:
		return strconv.FormatFloat(v.Num, 'g', -1, 64)
	case Time:
		return time.Unix(0, v.Time).UTC().Format(time.RFC3339Nano)
	}
	return v.Str
}

func (c *Column) code(s string) uint32 {
	if code, ok := c.lookup[s]; ok {
		return code
	}
	code := uint32(len(c.Dict))
	c.Dict = append(c.Dict, s)
	c.lookup[s] = code
	return code
}

// toString turns a number or time column into a string column.
func (c *Column) toString() {
	if c.Kind == String {
		return
	}
	codes := make([]uint32, len(c.Valid))
	c.lookup = map[string]uint32{}
	for i, ok := range c.Valid {
		if !ok {
			continue
		}
		var v Value
		if c.Kind == Number {
			v = Num(c.Nums[i])
		} else {
			v = Value{Kind: Time, Time: c.Times[i]}
		}
		codes[i] = c.code(v.text())
	}
	c.Kind, c.Codes, c.Nums, c.Times = String, codes, nil, nil
}

// View is a consistent view of a table for one query, valid until its
// Read callback returns.
type View struct {
	Rows    int
	Version uint64
	cols    map[string]*Column
}

// Column returns a column by name.
func (v View) Column(name string) (*Column, bool) {
	c, ok := v.cols[name]
	return c, ok
}

// Columns lists the columns, by name.
func (v View) Columns() []*Column {
	out := make([]*Column, 0, len(v.cols))
	for _, c := range v.cols {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Read calls fn with a view of the table under its read lock.
func (t *Table) Read(fn func(View) error) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return fn(View{Rows: t.rows, Version: t.version, cols: t.cols})
}

// Version counts the table's changes.
func (t *Table) Version() uint64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.version
}

// Len returns the number of rows.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.rows
}

// ParseTime reads an RFC 3339 time or a YYYY-MM-DD date as UTC Unix
// nanoseconds.
func ParseTime(s string) (int64, bool) {
	if len(s) < 10 || len(s) > 40 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().UnixNano(), true
		}
	}
	return 0, false
}

// Flatten turns a JSON object into fields: nested objects become dotted
// names (at most three levels), arrays and nulls are left out, strings
// that read as times become times, booleans become "true"/"false".
func Flatten(raw json.RawMessage, prefix string, out []Field) ([]Field, error) {
	var m map[string]any
	dec := json.NewDecoder(bytesReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return out, fmt.Errorf("record is not a JSON object: %w", err)
	}
	return flatten(m, prefix, 0, out), nil
}

func flatten(m map[string]any, prefix string, depth int, out []Field) []Field {
	for k, v := range m {
		name := prefix + k
		switch x := v.(type) {
		case json.Number:
			if f, err := x.Float64(); err == nil {
				out = append(out, Field{Name: name, Value: Num(f)})
			}
		case string:
			if ns, ok := ParseTime(x); ok {
				out = append(out, Field{Name: name, Value: Value{Kind: Time, Time: ns}})
			} else if f, ok := numeric(x); ok {
				out = append(out, Field{Name: name, Value: Num(f)})
			} else {
				out = append(out, Field{Name: name, Value: Str(x)})
			}
		case bool:
			out = append(out, Field{Name: name, Value: Str(strconv.FormatBool(x))})
		case map[string]any:
			if depth < 2 {
				out = flatten(x, name+".", depth+1, out)
			}
		}
	}
	return out
}

var numericRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// numeric reads a string holding a plain decimal number ("12", "-0.5",
// "1e6") as a number, as CSV sources deliver them; codes with leading
// zeros ("007") and digit strings too long for a float64 stay strings.
func numeric(s string) (float64, bool) {
	if len(s) == 0 || len(s) > 17 || !numericRE.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !math.IsInf(f, 0)
}
