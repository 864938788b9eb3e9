package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchyard/switchyard/core/auth"
)

type registerRequest struct {
	Email    string `json:"email" validate:"required,max=254"`
	Password string `json:"password" validate:"required,max=512"`
	Name     string `json:"name" validate:"required,max=100"`
}

type loginRequest struct {
	Email    string `json:"email" validate:"required,max=254"`
	Password string `json:"password" validate:"required,max=512"`
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token" validate:"required,max=256"`
}

type logoutRequest struct {
	RefreshToken string `json:"refresh_token,omitempty" validate:"max=256"`
}

// SessionResponse is what register, login and refresh return.
type SessionResponse struct {
	User *auth.User `json:"user"`
	auth.Tokens
}

func (a *API) bindAuth(r *router) {
	r.add(Route{Method: "POST", Path: "/auth/register", Tag: "auth", Summary: "Create an account and sign in",
		Access: Public, Body: registerRequest{}, Status: http.StatusCreated, Resp: SessionResponse{}, Handler: a.register})
	r.add(Route{Method: "POST", Path: "/auth/login", Tag: "auth", Summary: "Sign in with email and password",
		Access: Public, Body: loginRequest{}, Resp: SessionResponse{}, Handler: a.login})
	r.add(Route{Method: "POST", Path: "/auth/refresh", Tag: "auth", Summary: "Rotate a refresh token for a new token pair",
		Access: Public, Body: refreshRequest{}, Resp: SessionResponse{}, Handler: a.refresh})
	r.add(Route{Method: "POST", Path: "/auth/logout", Tag: "auth", Summary: "End the current session",
		Access: SignedIn, Body: logoutRequest{}, Status: http.StatusNoContent, Handler: a.logout})
	r.add(Route{Method: "GET", Path: "/me", Tag: "auth", Summary: "The signed-in user",
		Access: SignedIn, Resp: auth.User{}, Handler: a.me})
}

func clientMeta(c *fiber.Ctx) auth.ClientMeta {
	return auth.ClientMeta{UserAgent: strings.Clone(c.Get(fiber.HeaderUserAgent)), IP: c.IP()}
}

// throttle applies the per-IP limit and, when account is set, the
// per-account one. The answer is the same whether the account exists.
func (a *API) throttle(c *fiber.Ctx, account string) error {
	now := time.Now()
	if ok, wait := a.ipLimit.Allow("ip:"+c.IP(), now); !ok {
		return tooMany(wait)
	}
	if account != "" {
		if ok, wait := a.acctLimit.Allow("acct:"+strings.ToLower(strings.TrimSpace(account)), now); !ok {
			return tooMany(wait)
		}
	}
	return nil
}

func tooMany(wait time.Duration) error {
	secs := int(wait.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
		Message: "too many attempts; try again later", RetryAfter: secs}
}

func (a *API) register(c *fiber.Ctx) error {
	var req registerRequest
	if err := a.decodeJSON(c, &req); err != nil {
		return err
	}
	if err := a.throttle(c, ""); err != nil {
		return err
	}
	u, tok, err := a.d.Auth.Register(c.UserContext(), req.Email, req.Password, req.Name, clientMeta(c))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(SessionResponse{User: u, Tokens: *tok})
}

func (a *API) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := a.decodeJSON(c, &req); err != nil {
		return err
	}
	if err := a.throttle(c, req.Email); err != nil {
		return err
	}
	u, tok, err := a.d.Auth.Login(c.UserContext(), req.Email, req.Password, clientMeta(c))
	if err != nil {
		return err
	}
	return c.JSON(SessionResponse{User: u, Tokens: *tok})
}

func (a *API) refresh(c *fiber.Ctx) error {
	var req refreshRequest
	if err := a.decodeJSON(c, &req); err != nil {
		return err
	}
	u, tok, err := a.d.Auth.Refresh(c.UserContext(), req.RefreshToken)
	if err != nil {
		return err
	}
	return c.JSON(SessionResponse{User: u, Tokens: *tok})
}

func (a *API) logout(c *fiber.Ctx) error {
	// The body is optional: the session comes from the access token.
	if len(c.Body()) > 0 {
		var req logoutRequest
		if err := a.decodeJSON(c, &req); err != nil {
			return err
		}
	}
	if err := a.d.Auth.Logout(c.UserContext(), identityOf(c).Claims); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (a *API) me(c *fiber.Ctx) error {
	u, err := a.d.Auth.User(c.UserContext(), identityOf(c).UserID)
	if err != nil {
		if isNotFound(err) {
			return errNoCredentials
		}
		return err
	}
	return c.JSON(u)
}
