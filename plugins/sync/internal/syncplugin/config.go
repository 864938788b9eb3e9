package syncplugin

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/switchyard/switchyard/plugins/sync/internal/source"
)

// Config is an organization's configuration of the sync plugin.
type Config struct {
	Sources []Source `json:"sources,omitempty"`
}

// Source is one configured source.
type Source struct {
	// Name identifies the source; the sync job's input names it.
	Name string `json:"name"`
	// Type is "http", "file" or "postgres"; the matching block configures it.
	Type string `json:"type"`
	// Dataset receives the records (default: the source's name).
	Dataset string `json:"dataset,omitempty"`
	// Key is the field (a dotted path for JSON, a column for CSV and SQL)
	// whose value identifies a record (default "id"): a record synced
	// again replaces the one with its key.
	Key string `json:"key,omitempty"`
	// Interval, when set ("15m", "1h"), syncs the source on that schedule.
	Interval string                 `json:"interval,omitempty"`
	HTTP     *source.HTTPConfig     `json:"http,omitempty"`
	File     *source.FileConfig     `json:"file,omitempty"`
	Postgres *source.PostgresConfig `json:"postgres,omitempty"`
}

func (s Source) dataset() string {
	if s.Dataset != "" {
		return s.Dataset
	}
	return s.Name
}

func (s Source) key() string {
	if s.Key != "" {
		return s.Key
	}
	return "id"
}

// configSchema is the JSON Schema of Config (the core checks configs
// against it before the plugin sees them).
const configSchema = `{
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "sources": {
      "type": "array",
      "maxItems": 50,
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "type"],
        "properties": {
          "name": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,62}$"},
          "type": {"enum": ["http", "file", "postgres"]},
          "dataset": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,62}$"},
          "key": {"type": "string", "minLength": 1, "maxLength": 200},
          "interval": {"type": "string", "pattern": "^([0-9]+(s|m|h))+$"},
          "http": {
            "type": "object",
            "additionalProperties": false,
            "required": ["url"],
            "properties": {
              "url": {"type": "string", "pattern": "^https?://", "maxLength": 2048},
              "headers": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 4096}, "maxProperties": 32},
              "items_path": {"type": "string", "maxLength": 200},
              "total_path": {"type": "string", "maxLength": 200},
              "max_pages": {"type": "integer", "minimum": 1},
              "pagination": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "type": {"enum": ["none", "page", "cursor"]},
                  "page_param": {"type": "string", "maxLength": 64},
                  "size_param": {"type": "string", "maxLength": 64},
                  "size": {"type": "integer", "minimum": 1, "maximum": 10000},
                  "start": {"type": "integer", "minimum": 0},
                  "cursor_param": {"type": "string", "maxLength": 64},
                  "cursor_path": {"type": "string", "maxLength": 200}
                }
              }
            }
          },
          "file": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "path": {"type": "string", "minLength": 1, "maxLength": 1024},
              "url": {"type": "string", "pattern": "^https?://", "maxLength": 2048},
              "format": {"enum": ["csv", "jsonl"]}
            }
          },
          "postgres": {
            "type": "object",
            "additionalProperties": false,
            "required": ["url", "query"],
            "properties": {
              "url": {"type": "string", "pattern": "^postgres(ql)?://", "maxLength": 2048},
              "query": {"type": "string", "minLength": 1, "maxLength": 65536},
              "timeout_seconds": {"type": "integer", "minimum": 1, "maximum": 86400}
            }
          }
        }
      }
    }
  }
}`

// parseConfig reads a config (already valid against configSchema) and
// checks what the schema cannot: unique names, the block matching the
// type, intervals.
func parseConfig(raw json.RawMessage, minInterval time.Duration) (Config, map[string]time.Duration, error) {
	var c Config
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &c); err != nil {
			return c, nil, fmt.Errorf("config: %w", err)
		}
	}
	seen := map[string]bool{}
	intervals := map[string]time.Duration{}
	for i, s := range c.Sources {
		where := fmt.Sprintf("sources[%d] (%s)", i, s.Name)
		if seen[s.Name] {
			return c, nil, fmt.Errorf("%s: the name is used twice", where)
		}
		seen[s.Name] = true
		switch {
		case s.Type == "http" && s.HTTP == nil, s.Type == "file" && s.File == nil, s.Type == "postgres" && s.Postgres == nil:
			return c, nil, fmt.Errorf("%s: type %s needs its %q block", where, s.Type, s.Type)
		}
		if s.Type == "file" && (s.File.Path == "") == (s.File.URL == "") {
			return c, nil, fmt.Errorf("%s: file needs a path or a url (one of them)", where)
		}
		if s.Interval != "" {
			d, err := time.ParseDuration(s.Interval)
			if err != nil {
				return c, nil, fmt.Errorf("%s: interval: %w", where, err)
			}
			if d < minInterval {
				return c, nil, fmt.Errorf("%s: interval %s is shorter than %s", where, d, minInterval)
			}
			intervals[s.Name] = d
		}
	}
	return c, intervals, nil
}

// source returns the configured source called name.
func (c Config) source(name string) (Source, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}
