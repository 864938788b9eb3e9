package sdktest

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// This file holds the RecordingHost's change feeds of datasets, its event
// history and its usage figures.

// changeFeed orders a dataset's writes: every write of a key gets the next
// version; the log keeps (version, key) in version order and a key's
// earlier entries are skipped when read.
type changeFeed struct {
	next    uint64
	log     []feedEntry
	current map[string]uint64
}

type feedEntry struct {
	version uint64
	key     string
}

func (f *changeFeed) write(key string) {
	f.next++
	f.log = append(f.log, feedEntry{version: f.next, key: key})
	f.current[key] = f.next
}

// feed returns dataset's change feed of tenant tenantID. h.mu is held.
func (h *RecordingHost) feed(tenantID, dataset string) *changeFeed {
	if h.feeds[tenantID] == nil {
		h.feeds[tenantID] = make(map[string]*changeFeed)
	}
	f := h.feeds[tenantID][dataset]
	if f == nil {
		f = &changeFeed{current: make(map[string]uint64)}
		h.feeds[tenantID][dataset] = f
	}
	return f
}

// DatasetChanges implements grpcplugin.HostServer: records in write order;
// the cursor is the version of the last write returned.
func (h *RecordingHost) DatasetChanges(_ context.Context, t grpcplugin.Tenant, dataset string, page grpcplugin.PageRequest) (grpcplugin.ChangePage, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.checkTenant(t); err != nil {
		return grpcplugin.ChangePage{}, err
	}
	ds, ok := h.datasets[t.ID][dataset]
	if !ok {
		return grpcplugin.ChangePage{}, fmt.Errorf("dataset %q: %w", dataset, grpcplugin.ErrNotFound)
	}
	var after uint64
	if page.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(page.Cursor)
		if err == nil {
			after, err = strconv.ParseUint(string(raw), 10, 64)
		}
		if err != nil {
			return grpcplugin.ChangePage{}, fmt.Errorf("%w: cursor is not one this feed returned", grpcplugin.ErrInvalidInput)
		}
	}
	limit := page.Limit
	if limit <= 0 {
		limit = 100
	}
	f := h.feed(t.ID, dataset)
	i := sort.Search(len(f.log), func(i int) bool { return f.log[i].version > after })
	out := grpcplugin.ChangePage{}
	last := after
	for ; i < len(f.log); i++ {
		e := f.log[i]
		if f.current[e.key] != e.version {
			last = e.version // superseded by a later write
			continue
		}
		if len(out.Records) == limit {
			out.More = true
			break
		}
		out.Records = append(out.Records, grpcplugin.Record{Key: e.key, Data: slices.Clone(ds[e.key])})
		last = e.version
	}
	out.Cursor = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatUint(last, 10)))
	return out, nil
}

// eventLog is a tenant's event history: events numbered from 1, the oldest
// dropped beyond a bound.
type eventLog struct {
	seq    uint64
	pruned uint64 // the highest seq no longer kept
	events []grpcplugin.HistoryEvent
	epoch  string
}

// eventLog returns tenant tenantID's history. h.mu is held.
func (h *RecordingHost) eventLog(tenantID string) *eventLog {
	l := h.history[tenantID]
	if l == nil {
		l = &eventLog{epoch: uuid.Must(uuid.NewV7()).String()}
		h.history[tenantID] = l
	}
	return l
}

func (l *eventLog) add(e grpcplugin.HistoryEvent, keep int) grpcplugin.HistoryEvent {
	l.seq++
	e.Seq = l.seq
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	if e.ID == "" {
		e.ID = uuid.Must(uuid.NewV7()).String()
	}
	l.events = append(l.events, e)
	if over := len(l.events) - keep; over > 0 && over >= keep {
		l.pruned = l.events[over-1].Seq
		n := copy(l.events, l.events[over:])
		clear(l.events[n:])
		l.events = l.events[:n]
	}
	return e
}

// PublishEvent adds an event to tenant t's history as if another producer
// (the organization's backend, the core, another plugin) had published it:
// EventsSince returns it, WaitEvent does not. source is "api" when empty.
// It returns the event with its sequence number.
func (h *RecordingHost) PublishEvent(t grpcplugin.Tenant, source, typ string, data any) (grpcplugin.HistoryEvent, error) {
	raw, err := encode(data)
	if err != nil {
		return grpcplugin.HistoryEvent{}, err
	}
	if source == "" {
		source = "api"
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.eventLog(t.ID).add(grpcplugin.HistoryEvent{Type: typ, Source: source, Data: slices.Clone(raw)}, h.maxEvents)
	h.notify()
	return e, nil
}

// EventsSince implements grpcplugin.HostServer over the events the plugin
// emitted (not those addressed to one user) and those PublishEvent added.
func (h *RecordingHost) EventsSince(_ context.Context, t grpcplugin.Tenant, q grpcplugin.EventsQuery) (grpcplugin.EventPage, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.checkTenant(t); err != nil {
		return grpcplugin.EventPage{}, err
	}
	l := h.eventLog(t.ID)
	out := grpcplugin.EventPage{Head: l.seq, Epoch: l.epoch, Next: q.After}
	after := q.After
	if after > l.seq {
		return out, fmt.Errorf("%w: sequence %d is beyond the head %d", grpcplugin.ErrInvalidInput, after, l.seq)
	}
	if after < l.pruned {
		out.Gap, after = true, l.pruned
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	i := sort.Search(len(l.events), func(i int) bool { return l.events[i].Seq > after })
	out.Next = after
	for ; i < len(l.events) && len(out.Events) < limit; i++ {
		e := l.events[i]
		out.Next = e.Seq
		if matchAny(q.Types, e.Type) {
			e.Data = slices.Clone(e.Data)
			out.Events = append(out.Events, e)
		}
	}
	return out, nil
}

func matchAny(patterns []string, typ string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if grpcplugin.MatchEventType(p, typ) {
			return true
		}
	}
	return false
}

// SetUsage sets the figures Usage reports for tenant t that the
// RecordingHost cannot know: Sockets, JobsQueued, JobsRunning and
// FilesBytes. The others are computed from what was recorded.
func (h *RecordingHost) SetUsage(t grpcplugin.Tenant, u grpcplugin.Usage) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.usage[t.ID] = u
}

// Usage implements grpcplugin.HostServer.
func (h *RecordingHost) Usage(_ context.Context, t grpcplugin.Tenant) (grpcplugin.Usage, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.checkTenant(t); err != nil {
		return grpcplugin.Usage{}, err
	}
	set := h.usage[t.ID]
	l := h.eventLog(t.ID)
	u := grpcplugin.Usage{
		EventsSeq: l.seq, EventsEpoch: l.epoch,
		Sockets: set.Sockets, JobsQueued: set.JobsQueued, JobsRunning: set.JobsRunning, FilesBytes: set.FilesBytes,
		Datasets: len(h.datasets[t.ID]), MeasuredAt: time.Now().UTC(),
	}
	for _, ds := range h.datasets[t.ID] {
		u.DatasetRecords += int64(len(ds))
		for _, v := range ds {
			u.DatasetBytes += int64(len(v))
		}
	}
	for k, v := range h.state[t.ID] {
		u.StateBytes += int64(len(k) + len(v))
	}
	return u, nil
}
