package analyticsplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/switchyard/switchyard/plugins/analytics/internal/query"
	"github.com/switchyard/switchyard/sdk"
)

// Panel is a saved dashboard panel: a query and how to chart it.
type Panel struct {
	ID        string      `json:"id"`
	Title     string      `json:"title"`
	Chart     string      `json:"chart"`
	Query     query.Query `json:"query"`
	Position  *Position   `json:"position,omitempty"`
	CreatedBy string      `json:"created_by,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// Position places a panel on the dashboard's grid.
type Position struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

// Chart types a panel may use.
var charts = map[string]bool{"line": true, "area": true, "bar": true, "pie": true, "table": true, "number": true}

// MaxPanels bounds an organization's panels.
const MaxPanels = 100

const panelSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["title", "chart", "query"],
  "properties": {
    "id": {"type": "string", "maxLength": 64},
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "chart": {"enum": ["line", "area", "bar", "pie", "table", "number"]},
    "query": {"type": "object"},
    "position": {"type": "object", "additionalProperties": false, "properties": {
      "x": {"type": "integer", "minimum": 0, "maximum": 1000}, "y": {"type": "integer", "minimum": 0, "maximum": 1000},
      "w": {"type": "integer", "minimum": 1, "maximum": 24}, "h": {"type": "integer", "minimum": 1, "maximum": 100}}}
  }
}`

func panelKey(id string) string { return "panel/" + id }

// panelInput is what a client sends to save a panel.
type panelInput struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	Chart    string          `json:"chart"`
	Query    json.RawMessage `json:"query"`
	Position *Position       `json:"position"`
}

func (p *Plugin) panels(ctx context.Context, ts *tenant) ([]Panel, error) {
	st := p.host.State(ts.t)
	var out []Panel
	cursor := ""
	for {
		items, next, err := st.List(ctx, "panel/", sdk.Page{Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("listing panels: %w", err)
		}
		for _, it := range items {
			var pn Panel
			if json.Unmarshal(it.Value, &pn) == nil {
				out = append(out, pn)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if out == nil {
		out = []Panel{}
	}
	return out, nil
}

func (p *Plugin) panel(ctx context.Context, ts *tenant, id string) (Panel, error) {
	if id == "" || len(id) > 64 || strings.Contains(id, "/") {
		return Panel{}, sdk.Errorf(sdk.ErrNotFound, "panel %q", id)
	}
	raw, err := p.host.State(ts.t).Get(ctx, panelKey(id))
	if err != nil {
		if errors.Is(err, sdk.ErrNotFound) {
			return Panel{}, sdk.Errorf(sdk.ErrNotFound, "panel %q", id)
		}
		return Panel{}, err
	}
	var pn Panel
	if err := json.Unmarshal(raw, &pn); err != nil {
		return Panel{}, fmt.Errorf("panel %s is corrupt: %w", id, err)
	}
	return pn, nil
}

// savePanel creates a panel (no id) or replaces one. The query is checked,
// and run once against its source so a panel never names a column its
// source lacks (unless the source is still empty).
func (p *Plugin) savePanel(ctx context.Context, ts *tenant, in panelInput) (Panel, error) {
	title := strings.TrimSpace(in.Title)
	switch {
	case title == "" || utf8.RuneCountInString(title) > 200:
		return Panel{}, fieldErr("title", "must be 1 to 200 characters")
	case !charts[in.Chart]:
		return Panel{}, fieldErr("chart", "must be one of line, area, bar, pie, table, number")
	case len(in.Query) == 0:
		return Panel{}, fieldErr("query", "is required")
	}
	q, err := decodeQuery(in.Query, "query")
	if err != nil {
		return Panel{}, err
	}
	if _, err := p.run(ctx, ts, q); err != nil && !errors.Is(err, sdk.ErrNotFound) {
		return Panel{}, err
	}
	now := time.Now().UTC()
	pn := Panel{ID: in.ID, Title: title, Chart: in.Chart, Query: q, Position: in.Position, CreatedAt: now, UpdatedAt: now}
	if a, ok := sdk.ActorFrom(ctx); ok {
		pn.CreatedBy = a.UserID
	}
	if pn.ID != "" {
		old, err := p.panel(ctx, ts, pn.ID)
		if err != nil {
			return Panel{}, err
		}
		pn.CreatedAt, pn.CreatedBy = old.CreatedAt, old.CreatedBy
	} else {
		all, err := p.panels(ctx, ts)
		if err != nil {
			return Panel{}, err
		}
		if len(all) >= MaxPanels {
			return Panel{}, sdk.Errorf(sdk.ErrResourceExhausted, "an organization has at most %d panels", MaxPanels)
		}
		pn.ID = uuid.Must(uuid.NewV7()).String()
	}
	raw, err := json.Marshal(pn)
	if err != nil {
		return Panel{}, err
	}
	if err := p.host.State(ts.t).Put(ctx, panelKey(pn.ID), raw); err != nil {
		return Panel{}, fmt.Errorf("storing panel: %w", err)
	}
	ts.mu.Lock()
	delete(ts.panels, pn.ID) // pushed again at the next tick
	ts.mu.Unlock()
	ts.poke()
	return pn, nil
}

func (p *Plugin) deletePanel(ctx context.Context, ts *tenant, id string) error {
	if _, err := p.panel(ctx, ts, id); err != nil {
		return err
	}
	if err := p.host.State(ts.t).Delete(ctx, panelKey(id)); err != nil {
		return err
	}
	ts.mu.Lock()
	delete(ts.panels, id)
	ts.mu.Unlock()
	return nil
}

// poke wakes the organization's loop.
func (ts *tenant) poke() {
	select {
	case ts.kick <- struct{}{}:
	default:
	}
}
