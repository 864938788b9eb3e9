package events

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
)

// ConnectNATS opens the connection a replica's journal and bus share. It
// reconnects forever, and it keeps nothing to send while disconnected:
// the NATS client would otherwise hold a publish made during an outage
// and send it once the server is back, so an event whose append had
// already failed (and been reported so, and perhaps sent again by its
// producer) would be stored after all. Such a publish fails at once
// instead, and the append with ErrUnavailable. extra options (handlers,
// a name) are applied after these.
func ConnectNATS(url string, extra ...nats.Option) (*nats.Conn, error) {
	opts := append([]nats.Option{
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.Timeout(5 * time.Second),
		nats.ReconnectBufSize(-1),
	}, extra...)
	return nats.Connect(url, opts...)
}

// disconnected reports whether err means a publish never left this
// process because the connection is down: nothing was stored.
func disconnected(err error) bool {
	return errors.Is(err, nats.ErrReconnectBufExceeded) || errors.Is(err, nats.ErrConnectionClosed) ||
		errors.Is(err, nats.ErrConnectionReconnecting) || errors.Is(err, nats.ErrConnectionDraining)
}

// NATSBus is the Bus of replicas sharing NATS: each topic is a core NATS
// subject under the prefix (<prefix>.ctl.<topic>), delivered to every
// replica's subscribers.
type NATSBus struct {
	nc     *nats.Conn
	prefix string
}

// NewNATSBus returns a bus over nc.
func NewNATSBus(nc *nats.Conn, prefix string) *NATSBus {
	if prefix == "" {
		prefix = "switchyard"
	}
	return &NATSBus{nc: nc, prefix: prefix}
}

// Publish implements Bus.
func (b *NATSBus) Publish(_ context.Context, topic string, payload []byte) error {
	if err := b.nc.Publish(b.prefix+".ctl."+topic, payload); err != nil {
		return fmt.Errorf("events: bus publish: %w", err)
	}
	return nil
}

// Subscribe implements Bus.
func (b *NATSBus) Subscribe(topic string, fn func([]byte)) (func(), error) {
	sub, err := b.nc.Subscribe(b.prefix+".ctl."+topic, func(m *nats.Msg) { fn(m.Data) })
	if err != nil {
		return nil, fmt.Errorf("events: bus subscribe: %w", err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// Close implements Bus; the connection belongs to the caller.
func (b *NATSBus) Close() error { return nil }
