package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// JetStreamJournal keeps events in a JetStream stream shared by every
// replica, one subject per organization (<prefix>.ev.<org id>). The
// stream's sequence is the one authority for numbers: an event's Seq is its
// stream sequence, so each organization's numbers grow but skip the other
// organizations' events. Each append carries the organization's previous
// sequence as a JetStream expectation (Nats-Expected-Last-Subject-Sequence)
// and in a header, so two replicas appending at once cannot both claim the
// same predecessor, and a reader can tell a pruned stretch from a
// continuous one. Retention is the stream's: per-subject message count and
// age. The epoch is the stream's creation time: a stream recreated (data
// lost) starts a new epoch.
type JetStreamJournal struct {
	js      jetstream.JetStream
	stream  jetstream.Stream
	prefix  string
	epoch   string
	log     *slog.Logger
	consume jetstream.ConsumeContext

	locks sync.Map // org id -> *orgAppender

	mu    sync.RWMutex
	tails []func(Event)
}

type orgAppender struct {
	mu    sync.Mutex
	last  uint64 // the organization's last stream sequence, 0: not known yet
	known bool
}

// JetStreamOptions configure the stream.
type JetStreamOptions struct {
	// Stream is the stream's name (default SWITCHYARD_EVENTS).
	Stream string
	// Prefix starts every subject (default "switchyard").
	Prefix string
	// Keep and MaxAge are the per-organization retention.
	Keep   int
	MaxAge time.Duration
}

const (
	headerPrev = "Switchyard-Prev"
	headerType = "Switchyard-Type"
)

// jsEvent is an event as stored in the stream (Seq is the stream's).
type jsEvent struct {
	ID     string          `json:"id"`
	OrgID  string          `json:"org"`
	Type   string          `json:"type"`
	Time   time.Time       `json:"time"`
	Source string          `json:"source"`
	Target string          `json:"target,omitempty"`
	Data   json.RawMessage `json:"data"`
}

// NewJetStreamJournal creates or updates the stream and starts following
// it: every event appended by any replica reaches this replica's tails.
func NewJetStreamJournal(ctx context.Context, nc *nats.Conn, o JetStreamOptions, log *slog.Logger) (*JetStreamJournal, error) {
	if o.Stream == "" {
		o.Stream = "SWITCHYARD_EVENTS"
	}
	if o.Prefix == "" {
		o.Prefix = "switchyard"
	}
	if o.Keep <= 0 {
		o.Keep = 10_000
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 7 * 24 * time.Hour
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("events: jetstream: %w", err)
	}
	stream, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:              o.Stream,
		Description:       "Switchyard event journal: one subject per organization",
		Subjects:          []string{o.Prefix + ".ev.*"},
		Storage:           jetstream.FileStorage,
		Retention:         jetstream.LimitsPolicy,
		MaxMsgsPerSubject: int64(o.Keep),
		MaxAge:            o.MaxAge,
		Discard:           jetstream.DiscardOld,
		Duplicates:        2 * time.Minute,
		AllowDirect:       true,
	})
	if err != nil {
		return nil, fmt.Errorf("events: stream %s: %w", o.Stream, err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("events: stream %s: %w", o.Stream, err)
	}
	j := &JetStreamJournal{js: js, stream: stream, prefix: o.Prefix, log: log,
		epoch: o.Stream + "@" + strconv.FormatInt(info.Created.UnixNano(), 36)}

	// Follow everything appended from now on, in stream order.
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{o.Prefix + ".ev.*"},
		DeliverPolicy:  jetstream.DeliverNewPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("events: follow %s: %w", o.Stream, err)
	}
	j.consume, err = cons.Consume(func(m jetstream.Msg) {
		e, err := decodeJS(m)
		if err != nil {
			j.log.Error("events: undecodable journal entry", "error", err)
			return
		}
		j.mu.RLock()
		tails := j.tails
		j.mu.RUnlock()
		for _, fn := range tails {
			fn(e)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("events: follow %s: %w", o.Stream, err)
	}
	return j, nil
}

func (j *JetStreamJournal) subject(orgID string) string { return j.prefix + ".ev." + orgID }

func decodeJS(m interface {
	Data() []byte
	Headers() nats.Header
	Metadata() (*jetstream.MsgMetadata, error)
}) (Event, error) {
	var je jsEvent
	if err := json.Unmarshal(m.Data(), &je); err != nil {
		return Event{}, err
	}
	md, err := m.Metadata()
	if err != nil {
		return Event{}, err
	}
	prev, _ := strconv.ParseUint(m.Headers().Get(headerPrev), 10, 64)
	return Event{ID: je.ID, OrgID: je.OrgID, Seq: md.Sequence.Stream, Prev: prev, Type: je.Type, Time: je.Time,
		Source: je.Source, Target: je.Target, Data: je.Data}, nil
}

func (j *JetStreamJournal) appender(orgID string) *orgAppender {
	a, _ := j.locks.LoadOrStore(orgID, &orgAppender{})
	return a.(*orgAppender)
}

// lastSeq asks the stream for the organization's last sequence.
func (j *JetStreamJournal) lastSeq(ctx context.Context, orgID string) (uint64, error) {
	m, err := j.stream.GetLastMsgForSubject(ctx, j.subject(orgID))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return m.Sequence, nil
}

// Append implements Journal. An organization's appends from this replica
// are serialized; appends from other replicas are detected by the
// expected-last-sequence check and retried on the new head.
func (j *JetStreamJournal) Append(ctx context.Context, orgID string, drafts []Draft) ([]Event, error) {
	a := j.appender(orgID)
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Event, 0, len(drafts))
	for _, d := range drafts {
		e := Event{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, Type: d.Type, Time: time.Now().UTC(),
			Source: d.Source, Target: d.Target, Data: d.Data}
		payload, err := json.Marshal(jsEvent{ID: e.ID, OrgID: orgID, Type: e.Type, Time: e.Time, Source: e.Source, Target: e.Target, Data: e.Data})
		if err != nil {
			return out, err
		}
		for attempt := 0; ; attempt++ {
			if !a.known {
				if a.last, err = j.lastSeq(ctx, orgID); err != nil {
					if disconnected(err) {
						return out, fmt.Errorf("events: append: %w (%w)", ErrUnavailable, err)
					}
					return out, fmt.Errorf("events: append: %w", err)
				}
				a.known = true
			}
			msg := &nats.Msg{Subject: j.subject(orgID), Data: payload, Header: nats.Header{}}
			msg.Header.Set(headerPrev, strconv.FormatUint(a.last, 10))
			msg.Header.Set(headerType, e.Type)
			ack, err := j.js.PublishMsg(ctx, msg, jetstream.WithMsgID(e.ID), jetstream.WithExpectLastSequencePerSubject(a.last))
			if err == nil {
				e.Prev, e.Seq = a.last, ack.Sequence
				a.last = ack.Sequence
				break
			}
			var apiErr *jetstream.APIError
			if errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
				apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) && attempt < 100 {
				// Another replica appended first. The refusal names the
				// new head, so the retry costs one round trip and races
				// the other replica on equal terms.
				if head, ok := headFromRefusal(apiErr.Description); ok {
					a.last = head
				} else {
					a.known = false
				}
				continue
			}
			a.known = false
			if disconnected(err) {
				return out, fmt.Errorf("events: append: %w (%w)", ErrUnavailable, err)
			}
			return out, fmt.Errorf("events: append: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}

// headFromRefusal reads the subject's last sequence from a refused
// expectation ("wrong last sequence: 232").
func headFromRefusal(desc string) (uint64, bool) {
	i := strings.LastIndexByte(desc, ':')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSpace(desc[i+1:]), 10, 64)
	return n, err == nil
}

// Tail implements Journal.
func (j *JetStreamJournal) Tail(fn func(Event)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.tails = append(j.tails, fn)
}

// Head implements Journal.
func (j *JetStreamJournal) Head(ctx context.Context, orgID string) (Head, error) {
	last, err := j.lastSeq(ctx, orgID)
	if err != nil {
		return Head{}, fmt.Errorf("events: head: %w", err)
	}
	return Head{Seq: last, Epoch: j.epoch}, nil
}

// Since implements Journal. A history is continuous from after when the
// first event found names after as its predecessor.
func (j *JetStreamJournal) Since(ctx context.Context, orgID string, after uint64, limit int) ([]Event, Head, error) {
	head, err := j.Head(ctx, orgID)
	if err != nil {
		return nil, head, err
	}
	if after > head.Seq {
		return nil, head, ErrHistoryGap
	}
	if after == head.Seq {
		return nil, head, nil
	}
	cons, err := j.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{j.subject(orgID)},
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       after + 1,
		InactiveThreshold: 30 * time.Second,
	})
	if err != nil {
		return nil, head, fmt.Errorf("events: read: %w", err)
	}
	var out []Event
	for len(out) < limit {
		batch, err := cons.FetchNoWait(limit - len(out))
		if err != nil {
			return nil, head, fmt.Errorf("events: read: %w", err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			e, err := decodeJS(m)
			if err != nil {
				return nil, head, fmt.Errorf("events: read: %w", err)
			}
			if len(out) == 0 && e.Prev != after {
				return nil, head, ErrHistoryGap
			}
			out = append(out, e)
		}
		if err := batch.Error(); err != nil {
			return nil, head, fmt.Errorf("events: read: %w", err)
		}
		if n == 0 || out[len(out)-1].Seq >= head.Seq {
			break
		}
	}
	if len(out) == 0 {
		// Events exist after `after` but none is left: pruned.
		return nil, head, ErrHistoryGap
	}
	return out, head, nil
}

// Prune implements Journal: the stream applies its own limits.
func (j *JetStreamJournal) Prune(context.Context, int, time.Duration) (int, error) { return 0, nil }

// DropOrg removes a deleted organization's events from the stream.
func (j *JetStreamJournal) DropOrg(ctx context.Context, orgID string) error {
	j.locks.Delete(orgID)
	return j.stream.Purge(ctx, jetstream.WithPurgeSubject(j.subject(orgID)))
}

// Close implements Journal.
func (j *JetStreamJournal) Close() error {
	if j.consume != nil {
		j.consume.Stop()
	}
	return nil
}
