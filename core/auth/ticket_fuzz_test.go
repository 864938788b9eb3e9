package auth

import (
	"strings"
	"testing"
	"time"
)

// FuzzRedeemTicket feeds arbitrary strings to ticket redemption, as a socket
// ticket and as a link ticket: it never panics, and the only strings it
// accepts are tickets this service issued, for the purpose, organization and
// link asked, each once.
func FuzzRedeemTicket(f *testing.F) {
	s := &Service{cfg: Config{Now: time.Now}, ticketKey: []byte(strings.Repeat("k", 32)),
		revoked: map[string]time.Time{}, usedTickets: map[string]int64{}}
	socket, _, err := s.IssueTicket("user-1", "session-1", "org-1")
	if err != nil {
		f.Fatal(err)
	}
	link, _, err := s.IssueLinkTicket("user-1", "session-1", "org-1", "files:/files/1/content")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(socket)
	f.Add(link)
	f.Add(link + "x")
	f.Add(strings.Replace(link, ".", "..", 1))
	f.Add("")
	f.Add("e30.AAAA")
	f.Fuzz(func(t *testing.T, raw string) {
		for _, want := range []struct{ org, link string }{{"", ""}, {"org-1", "files:/files/1/content"}, {"org-2", "files:/files/1/content"}} {
			tk, err := s.redeemTicket(raw, want.org, want.link)
			if err != nil {
				if err != ErrTokenInvalid {
					t.Fatalf("unexpected error %v", err)
				}
				continue
			}
			if tk.UserID != "user-1" || tk.SessionID != "session-1" || tk.OrgID != "org-1" || tk.Link != want.link || (want.org != "" && want.org != tk.OrgID) {
				t.Fatalf("redeemed %+v from %q as %+v", tk, raw, want)
			}
			if _, err := s.redeemTicket(raw, want.org, want.link); err == nil {
				t.Fatalf("%q redeemed twice", raw)
			}
		}
	})
}
