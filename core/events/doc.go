// Package events owns what happens in an organization: the event envelope,
// each organization's monotonic sequence, the journal that keeps a bounded
// history of events across restarts, and the buses that carry events and
// control messages between the parts of the platform and between replicas.
//
// One authority numbers an organization's events: the database when the
// platform runs on one node (the SQL journal, whose group-committing writer
// assigns sequence numbers inside the transaction that stores them), the
// JetStream stream when replicas share NATS. Either way the journal is
// written before anyone is told, so an event a client saw is never lost,
// and every event records the sequence of the organization's previous one,
// so a reader can always tell a continuous history from one with a hole.
// Each organization's history carries an epoch that changes only when that
// continuity is lost (a journal recreated or restored); clients resuming
// with an old epoch are told, never left with a silent gap.
//
// The Service is the front door: it validates events (type grammar, size,
// the organization's rate quota), appends them to the journal, stores
// notifications until they are read, and hands journaled events to local
// subscribers (the real-time hub) in order. Publishing never waits on a
// subscriber.
//
// events imports tenants for organization identifiers only. Everything
// here is safe for concurrent use.
package events
