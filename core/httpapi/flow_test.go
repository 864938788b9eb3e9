package httpapi_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/switchyard/switchyard/core/app/apptest"
	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/core/store/storetest"
)

// TestWholeFlow drives the foundation the way a team does, over real HTTP:
// register, sign in, create an organization, invite a teammate, who
// accepts; change their role; rotate a refresh token; sign out.
func TestWholeFlow(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) { wholeFlow(t, engine) })
	}
}

func wholeFlow(t *testing.T, engine store.Engine) {
	s := apptest.StartEngine(t, engine)
	c := s.Client()

	// Register and sign in.
	reg := c.Do(t, "POST", "/api/v1/auth/register", map[string]string{
		"email": "Ada@Example.com", "password": "analytical engine", "name": "Ada Lovelace",
	}).Must(t, http.StatusCreated).JSON()
	if u := reg["user"].(map[string]any); u["email"] != "ada@example.com" || u["password_hash"] != nil {
		t.Fatalf("registered user = %v", u)
	}
	login := c.Do(t, "POST", "/api/v1/auth/login", map[string]string{
		"email": "ada@example.com", "password": "analytical engine",
	}).Must(t, http.StatusOK).JSON()
	ada := c.As(login["access_token"].(string))
	if login["token_type"] != "Bearer" || login["expires_in"].(float64) != 900 {
		t.Fatalf("login tokens = %v", login)
	}
	me := ada.Do(t, "GET", "/api/v1/me", nil).Must(t, http.StatusOK).JSON()
	adaID := me["id"].(string)

	// Create an organization.
	org := ada.Do(t, "POST", "/api/v1/orgs", map[string]string{"slug": "analytical", "name": "Analytical Engines"}).
		Must(t, http.StatusCreated).JSON()
	if org["role"] != "owner" {
		t.Fatalf("creator role = %v", org["role"])
	}

	// Invite a teammate as a viewer; the invitation works for their email only.
	bob := s.Register(t, "bob")
	eve := s.Register(t, "eve")
	inv := ada.Do(t, "POST", "/api/v1/orgs/analytical/invitations", map[string]string{"email": bob.Email, "role": "viewer"}).
		Must(t, http.StatusCreated).JSON()
	token := inv["token"].(string)
	if inv["accept_url"] == "" || inv["role"] != "viewer" {
		t.Fatalf("invitation = %v", inv)
	}
	s.As(eve).Do(t, "POST", "/api/v1/invitations/"+token+"/accept", nil).Must(t, http.StatusForbidden)
	s.As(bob).Do(t, "GET", "/api/v1/orgs/analytical", nil).Must(t, http.StatusNotFound)
	acc := s.As(bob).Do(t, "POST", "/api/v1/invitations/"+token+"/accept", nil).Must(t, http.StatusOK).JSON()
	if acc["role"] != "viewer" {
		t.Fatalf("accepted as %v", acc["role"])
	}
	s.As(bob).Do(t, "POST", "/api/v1/invitations/"+token+"/accept", nil).Must(t, http.StatusConflict)

	// The viewer sees the organization but cannot invite.
	s.As(bob).Do(t, "GET", "/api/v1/orgs/analytical/members", nil).Must(t, http.StatusOK)
	s.As(bob).Do(t, "POST", "/api/v1/orgs/analytical/invitations", map[string]string{"email": "x@example.com", "role": "viewer"}).
		Must(t, http.StatusForbidden)

	// Promote to admin: the permission takes effect on the next request.
	ada.Do(t, "PATCH", "/api/v1/orgs/analytical/members/"+bob.ID, map[string]string{"role": "admin"}).Must(t, http.StatusOK)
	s.As(bob).Do(t, "POST", "/api/v1/orgs/analytical/invitations", map[string]string{"email": "carol@example.com", "role": "member"}).
		Must(t, http.StatusCreated)
	// An admin cannot demote the owner, and the last owner cannot leave.
	s.As(bob).Do(t, "PATCH", "/api/v1/orgs/analytical/members/"+adaID, map[string]string{"role": "viewer"}).Must(t, http.StatusForbidden)
	ada.Do(t, "DELETE", "/api/v1/orgs/analytical/members/"+adaID, nil).Must(t, http.StatusConflict)

	members := ada.Do(t, "GET", "/api/v1/orgs/analytical/members", nil).Must(t, http.StatusOK).JSON()
	if n := len(members["items"].([]any)); n != 2 {
		t.Fatalf("%d members, want 2", n)
	}

	// Refresh rotation: the new pair works, the old refresh token is dead
	// and presenting it again revokes the session.
	r1 := c.Do(t, "POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": login["refresh_token"].(string)}).
		Must(t, http.StatusOK).JSON()
	if r1["refresh_token"] == login["refresh_token"] {
		t.Fatal("refresh did not rotate the token")
	}
	c.As(r1["access_token"].(string)).Do(t, "GET", "/api/v1/me", nil).Must(t, http.StatusOK)
	reuse := c.Do(t, "POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": login["refresh_token"].(string)})
	if reuse.Status != http.StatusUnauthorized || reuse.ErrorCode() != "refresh_token_reused" {
		t.Fatalf("reused refresh token: %d %s", reuse.Status, reuse.Body)
	}
	c.As(r1["access_token"].(string)).Do(t, "GET", "/api/v1/me", nil).Must(t, http.StatusUnauthorized)
	c.Do(t, "POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": r1["refresh_token"].(string)}).Must(t, http.StatusUnauthorized)

	// Log out: the session's access token stops working at once.
	fresh := c.Do(t, "POST", "/api/v1/auth/login", map[string]string{"email": "ada@example.com", "password": "analytical engine"}).
		Must(t, http.StatusOK).JSON()
	ada = c.As(fresh["access_token"].(string))
	ada.Do(t, "POST", "/api/v1/auth/logout", nil).Must(t, http.StatusNoContent)
	ada.Do(t, "GET", "/api/v1/me", nil).Must(t, http.StatusUnauthorized)
	c.Do(t, "POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": fresh["refresh_token"].(string)}).Must(t, http.StatusUnauthorized)
}

// TestConcurrentRefreshHasOneWinner sends the same refresh token many times
// at once: at most one request may get a new pair.
func TestConcurrentRefreshHasOneWinner(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			s := apptest.StartEngine(t, engine)
			u := s.Register(t, "racer")
			var mu sync.Mutex
			statuses := map[int]int{}
			var wg sync.WaitGroup
			for range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := s.Client().Do(t, "POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": u.Refresh})
					mu.Lock()
					statuses[r.Status]++
					mu.Unlock()
				}()
			}
			wg.Wait()
			if statuses[http.StatusOK] > 1 {
				t.Fatalf("%d concurrent refreshes succeeded: %v", statuses[http.StatusOK], statuses)
			}
			if statuses[http.StatusOK]+statuses[http.StatusUnauthorized] != 10 {
				t.Fatalf("unexpected statuses %v", statuses)
			}
		})
	}
}
