package events

import "context"

// Bus carries control messages between the parts of the platform and
// between replicas: a session revoked, a policy changed, an organization
// suspended. Every subscriber on every replica, including the publisher's
// own, receives each message, so handlers must be idempotent. Event fan-out
// does not use the Bus: it follows the Journal's tail, which is ordered.
type Bus interface {
	// Publish sends payload on topic.
	Publish(ctx context.Context, topic string, payload []byte) error
	// Subscribe calls fn for every message on topic until the returned
	// function is called. fn runs on the bus's goroutine and must not block.
	Subscribe(topic string, fn func(payload []byte)) (unsubscribe func(), err error)
	// Close releases the bus.
	Close() error
}

// Control topics.
const (
	TopicSessionRevoked = "session.revoked"
	TopicPolicyChanged  = "policy.changed"
	TopicOrgChanged     = "org.changed"
	TopicMemberChanged  = "member.changed"
	TopicPluginChanged  = "plugin.changed"
	// TopicCatchUp asks every replica to rebuild what the control
	// messages keep current from the database: one was lost.
	TopicCatchUp = "catch_up"
)
