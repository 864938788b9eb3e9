package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"time"
)

// EnvAllow is the environment variable holding the operator's allow-list:
// comma-separated host names ("db.internal", "*.corp.example"), IP addresses
// and CIDRs ("10.1.0.0/16").
const EnvAllow = "SWITCHYARD_OUTBOUND_ALLOW"

// ErrRefused matches every connection the policy refused (errors.Is).
var ErrRefused = errors.New("outbound connection refused by policy")

// RefusedError says which address was refused and why.
type RefusedError struct {
	// Host is the name that was dialed (may equal the address).
	Host string
	// Addr is the address the connection would have reached.
	Addr netip.Addr
	// Reason names the address class, e.g. "a loopback address".
	Reason string
}

func (e *RefusedError) Error() string {
	host := ""
	if e.Host != "" && e.Host != e.Addr.String() {
		host = " (" + e.Host + ")"
	}
	return fmt.Sprintf("outbound: connection to %s%s refused: it is %s; add it to %s to allow it",
		e.Addr, host, e.Reason, EnvAllow)
}

// Unwrap makes a RefusedError match ErrRefused.
func (e *RefusedError) Unwrap() error { return ErrRefused }

// Policy is an outbound connection policy. The zero value allows public
// addresses only. It is immutable and safe for concurrent use.
type Policy struct {
	hosts    map[string]bool // exact names, lower case, no trailing dot
	suffixes []string        // from "*.example.com": ".example.com"
	nets     []netip.Prefix
	dialer   net.Dialer
}

// Parse builds a Policy from allow-list entries: host names (optionally
// "*.suffix"), IP addresses and CIDRs. Empty entries are ignored.
func Parse(entries []string) (*Policy, error) {
	p := &Policy{hosts: map[string]bool{}}
	p.dialer = net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	var errs []error
	for _, raw := range entries {
		e := strings.ToLower(strings.TrimSpace(raw))
		if e == "" {
			continue
		}
		if pfx, err := netip.ParsePrefix(e); err == nil {
			p.nets = append(p.nets, pfx.Masked())
			continue
		}
		if addr, err := netip.ParseAddr(e); err == nil {
			addr = addr.Unmap()
			p.nets = append(p.nets, netip.PrefixFrom(addr, addr.BitLen()))
			continue
		}
		e = strings.TrimSuffix(e, ".")
		if rest, ok := strings.CutPrefix(e, "*."); ok {
			if !validHostname(rest) {
				errs = append(errs, fmt.Errorf("outbound: %q is neither a host name, an IP address nor a CIDR", raw))
				continue
			}
			p.suffixes = append(p.suffixes, "."+rest)
			continue
		}
		if !validHostname(e) {
			errs = append(errs, fmt.Errorf("outbound: %q is neither a host name, an IP address nor a CIDR", raw))
			continue
		}
		p.hosts[e] = true
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// ParseList is Parse over a comma-separated list (the variable's format).
func ParseList(list string) (*Policy, error) {
	return Parse(strings.Split(list, ","))
}

// FromEnv builds the Policy from SWITCHYARD_OUTBOUND_ALLOW.
func FromEnv() (*Policy, error) { return ParseList(os.Getenv(EnvAllow)) }

// Public allows public addresses only.
func Public() *Policy {
	p, _ := Parse(nil)
	return p
}

func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '_' {
				return false
			}
		}
	}
	return true
}

// hostAllowed reports whether host is listed by name.
func (p *Policy) hostAllowed(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if p.hosts[h] {
		return true
	}
	for _, s := range p.suffixes {
		if strings.HasSuffix(h, s) {
			return true
		}
	}
	return false
}

// CheckAddr returns nil when the policy admits connections to addr: a
// public address or one inside an allowed network.
func (p *Policy) CheckAddr(addr netip.Addr) error {
	return p.check("", addr)
}

func (p *Policy) check(host string, addr netip.Addr) error {
	addr = addr.Unmap()
	for _, n := range p.nets {
		if n.Contains(addr) {
			return nil
		}
	}
	if reason := Classify(addr); reason != "" {
		return &RefusedError{Host: host, Addr: addr, Reason: reason}
	}
	return nil
}

// Allows reports whether a connection to host (a name or an address) may be
// attempted at all; the address finally dialed is still checked. It lets
// callers refuse early with a clear message.
func (p *Policy) Allows(host string) error {
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return p.check(host, a)
	}
	return nil
}

// DialContext dials like net.Dialer.DialContext, refusing addresses the
// policy does not admit. Names listed in the allow-list may resolve to any
// address; every other connection is checked on the address it is about to
// reach, after resolution.
func (p *Policy) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("outbound: %s connections are not allowed: %w", network, ErrRefused)}
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("outbound: %w", err)
	}
	d := p.dialer
	if !p.hostAllowed(host) {
		d.Control = func(_, addr string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(addr)
			if err != nil {
				return fmt.Errorf("outbound: unexpected address %q: %w", addr, ErrRefused)
			}
			return p.check(host, ap.Addr())
		}
	}
	return d.DialContext(ctx, network, address)
}

// Transport returns an http.Transport that dials through the policy and
// never uses a proxy.
func (p *Policy) Transport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           p.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// HTTPClient returns a client over Transport with an overall timeout
// (zero: none) that follows at most 5 redirects, each dialed through the
// policy.
func (p *Policy) HTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: p.Transport(),
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("outbound: stopped after 5 redirects")
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("outbound: redirect to a %q URL refused", req.URL.Scheme)
			}
			return nil
		},
	}
}

// Special-purpose ranges that are not reachable public destinations.
var special = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), `a "this network" address`},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (carrier-grade NAT) address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol assignment address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("100::/64"), "a discard-only address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
}

// Embedding ranges whose addresses carry an IPv4 address: they are judged
// by the address they carry.
var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour  = netip.MustParsePrefix("2002::/16")
)

// Classify returns why addr is not a public address ("a loopback address",
// "a private address", ...), or "" when it is public.
func Classify(addr netip.Addr) string {
	addr = addr.Unmap()
	switch {
	case !addr.IsValid():
		return "an invalid address"
	case addr.IsLoopback():
		return "a loopback address"
	case addr.IsUnspecified():
		return "an unspecified address"
	case addr.IsPrivate():
		return "a private address"
	case addr.IsLinkLocalUnicast(), addr.IsLinkLocalMulticast():
		return "a link-local address"
	case addr.IsMulticast(), addr.IsInterfaceLocalMulticast():
		return "a multicast address"
	case addr.Is4() && addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the broadcast address"
	}
	for _, s := range special {
		if s.prefix.Contains(addr) {
			return s.reason
		}
	}
	if addr.Is6() {
		b := addr.As16()
		switch {
		case nat64.Contains(addr):
			if r := Classify(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})); r != "" {
				return r + " (inside a NAT64 address)"
			}
		case nat64Local.Contains(addr):
			return "a local-use NAT64 address"
		case sixToFour.Contains(addr):
			if r := Classify(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})); r != "" {
				return r + " (inside a 6to4 address)"
			}
		}
	}
	return ""
}
