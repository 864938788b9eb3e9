package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/switchyard/switchyard/sdk/outbound"
)

// Record is one record read from a source.
type Record struct {
	Key  string
	Data json.RawMessage
}

// Reader reads one source.
type Reader interface {
	// Total is the number of records the source will yield, or -1 when it
	// cannot tell before reading them.
	Total(ctx context.Context) (int64, error)
	// Next returns the next batch; io.EOF (and no records) at the end.
	Next(ctx context.Context) ([]Record, error)
	// Close releases the source.
	Close() error
}

// Env is what readers need from their surroundings.
type Env struct {
	// Policy guards every outbound connection.
	Policy *outbound.Policy
	// FilesRoot is the organization's files directory; file paths resolve
	// inside it.
	FilesRoot string
	// TempDir receives downloaded files.
	TempDir string
}

// ErrConfig marks a source whose configuration is unusable.
var ErrConfig = errors.New("source configuration")

// MaxKeyLen is the longest record key.
const MaxKeyLen = 512

// keyOf returns the value at the dotted path in a JSON object as a key.
func keyOf(obj map[string]any, path string) (string, error) {
	var cur any = obj
	for _, seg := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", fmt.Errorf("has no field %q", path)
		}
		if cur, ok = m[seg]; !ok || cur == nil {
			return "", fmt.Errorf("has no field %q", path)
		}
	}
	var k string
	switch v := cur.(type) {
	case string:
		k = v
	case json.Number:
		k = v.String()
	case float64:
		k = strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		k = strconv.FormatBool(v)
	default:
		return "", fmt.Errorf("field %q is not a string or a number", path)
	}
	if k == "" || len(k) > MaxKeyLen {
		return "", fmt.Errorf("field %q must be 1-%d bytes", path, MaxKeyLen)
	}
	return k, nil
}

// recordOf builds a record from one JSON object.
func recordOf(raw json.RawMessage, keyPath string) (Record, error) {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return Record{}, fmt.Errorf("is not a JSON object")
	}
	k, err := keyOf(obj, keyPath)
	if err != nil {
		return Record{}, err
	}
	return Record{Key: k, Data: raw}, nil
}
