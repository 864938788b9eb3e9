package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// Ticket is what a ticket vouches for: one user, in one session, acting in
// one organization, once, soon. A WebSocket ticket opens the
// organization's socket; a link ticket (Link set) opens one GET of a
// plugin's HTTP route, named by Link, as a plain URL: a download the
// browser saves to disk as it arrives.
type Ticket struct {
	UserID    string `json:"u"`
	SessionID string `json:"s"`
	OrgID     string `json:"o"`
	Expires   int64  `json:"e"`
	Nonce     string `json:"n"`
	Link      string `json:"l,omitempty"`
}

// TicketTTL is how long a WebSocket ticket may wait before it is used.
const TicketTTL = 30 * time.Second

// LinkTicketTTL is how long a link ticket may wait before it is used.
const LinkTicketTTL = time.Minute

// IssueTicket returns a single-use ticket for opening the organization's
// socket. Tickets are signed, so any replica can check one; an access token
// never has to go in a URL.
func (s *Service) IssueTicket(userID, sessionID, orgID string) (string, time.Duration, error) {
	return s.issueTicket(Ticket{UserID: userID, SessionID: sessionID, OrgID: orgID}, TicketTTL)
}

// IssueLinkTicket returns a single-use ticket for one GET of link (a
// plugin's route, see Ticket) in the organization, so that a browser can
// open it as a URL without the access token.
func (s *Service) IssueLinkTicket(userID, sessionID, orgID, link string) (string, time.Duration, error) {
	return s.issueTicket(Ticket{UserID: userID, SessionID: sessionID, OrgID: orgID, Link: link}, LinkTicketTTL)
}

func (s *Service) issueTicket(t Ticket, ttl time.Duration) (string, time.Duration, error) {
	var n [16]byte
	if _, err := rand.Read(n[:]); err != nil {
		return "", 0, err
	}
	t.Expires, t.Nonce = s.now().Add(ttl).Unix(), hex.EncodeToString(n[:])
	payload, err := json.Marshal(t)
	if err != nil {
		return "", 0, err
	}
	body := base64.RawURLEncoding.EncodeToString(payload)
	return body + "." + s.ticketMAC(body), ttl, nil
}

func (s *Service) ticketMAC(body string) string {
	m := hmac.New(sha256.New, s.ticketKey)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// RedeemTicket checks a WebSocket ticket's signature and expiry, that its
// session is not revoked, and that it was not used before; then it is used
// up.
func (s *Service) RedeemTicket(raw string) (*Ticket, error) {
	return s.redeemTicket(raw, "", "")
}

// RedeemLinkTicket is RedeemTicket for a link ticket, which must be for
// the organization and name link; one that is not stays unused.
func (s *Service) RedeemLinkTicket(raw, orgID, link string) (*Ticket, error) {
	if link == "" || orgID == "" {
		return nil, ErrTokenInvalid
	}
	return s.redeemTicket(raw, orgID, link)
}

// redeemTicket uses up a ticket for link ("" for a socket), in orgID when
// that is set.
func (s *Service) redeemTicket(raw, orgID, link string) (*Ticket, error) {
	if len(raw) > 4096 { // a link ticket carries its path (up to 512 bytes, JSON-escaped)
		return nil, ErrTokenInvalid
	}
	body, mac, ok := strings.Cut(raw, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.ticketMAC(body))) {
		return nil, ErrTokenInvalid
	}
	payload, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return nil, ErrTokenInvalid
	}
	var t Ticket
	if err := json.Unmarshal(payload, &t); err != nil || t.Nonce == "" || t.Link != link || (orgID != "" && t.OrgID != orgID) {
		return nil, ErrTokenInvalid
	}
	now := s.now()
	if now.Unix() > t.Expires {
		return nil, ErrTokenInvalid
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, revoked := s.revoked[t.SessionID]; revoked {
		return nil, ErrTokenInvalid
	}
	if _, used := s.usedTickets[t.Nonce]; used {
		return nil, ErrTokenInvalid
	}
	// Forget used tickets once they could no longer be presented anyway;
	// at most every few seconds, so a burst of connects stays linear.
	if now.Sub(s.ticketsSwept) > 5*time.Second {
		s.ticketsSwept = now
		for n, exp := range s.usedTickets {
			if now.Unix() > exp {
				delete(s.usedTickets, n)
			}
		}
	}
	s.usedTickets[t.Nonce] = t.Expires
	return &t, nil
}

// IsRevoked reports whether a session ended early (logout, replay).
func (s *Service) IsRevoked(sessionID string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.revoked[sessionID]
	return ok
}
