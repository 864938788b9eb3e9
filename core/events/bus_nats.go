package events

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
)

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
