package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Claims are what an access token says: who (sub), in which session (sid),
// until when (exp).
type Claims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
}

// issuer signs and verifies access tokens with one HS256 key.
type issuer struct {
	secret []byte
	name   string
	ttl    time.Duration
	parser *jwt.Parser
}

func newIssuer(secret []byte, name string, ttl time.Duration) (*issuer, error) {
	if len(secret) < 32 {
		return nil, errors.New("auth: JWT secret must be at least 32 bytes")
	}
	return &issuer{
		secret: secret,
		name:   name,
		ttl:    ttl,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(name),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(5*time.Second),
		),
	}, nil
}

func (i *issuer) sign(userID, sessionID string, now time.Time) (string, error) {
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    i.name,
			Subject:   userID,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(i.ttl)),
			ID:        uuid.Must(uuid.NewV7()).String(),
		},
		SessionID: sessionID,
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(i.secret)
	if err != nil {
		return "", fmt.Errorf("auth: sign access token: %w", err)
	}
	return tok, nil
}

func (i *issuer) verify(token string) (*Claims, error) {
	if len(token) > 4096 {
		return nil, ErrTokenInvalid
	}
	var c Claims
	_, err := i.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return i.secret, nil })
	if err != nil || c.Subject == "" || c.SessionID == "" {
		return nil, ErrTokenInvalid
	}
	return &c, nil
}
