// Package outbound decides which network addresses a Switchyard component
// may connect to on behalf of a tenant: a plugin catalog URL, a sync
// source, a webhook. The rule of DESIGN.md is that such connections reach
// only public addresses, or the hosts and networks the operator lists in
// SWITCHYARD_OUTBOUND_ALLOW. Loopback, private, link-local, shared,
// multicast and reserved addresses — the platform's own database included —
// are refused otherwise.
//
// The check runs at connect time, on the address actually dialed (through
// net.Dialer.Control), never on a name resolved earlier, so a host name
// that resolves to a public address once and to 127.0.0.1 the next time
// (DNS rebinding) cannot slip through. A host name listed in the allow-list
// is trusted to whatever it resolves to; an IP or CIDR in the allow-list
// admits exactly those addresses.
//
// Policy.HTTPClient and Policy.Transport give an *http.Client that dials
// through the guard and ignores HTTP_PROXY and friends (a proxy would dial
// the destination on our behalf, out of the guard's sight). Database
// drivers take Policy.DialContext as their dial function (pgx:
// ConnConfig.DialFunc). Unix sockets are always refused.
//
// The core and first-party plugins share this package; it imports nothing
// of Switchyard's. A Policy is immutable and safe for concurrent use.
package outbound
