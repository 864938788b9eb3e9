// Package auth owns identity: users and their passwords, sign-in sessions,
// short-lived access tokens (JWT), rotating refresh tokens, and API keys.
//
// Access tokens are HS256 JWTs with exp, iat, sub, iss and the session id
// (sid); verification pins the algorithm, requires exp and checks the
// issuer. Refresh tokens are opaque random strings stored only as SHA-256
// hashes; each refresh consumes its token and issues the next one of the
// same session, and presenting a consumed token again revokes the whole
// session (a replay means the token leaked). Passwords are hashed with
// argon2id; a login for an unknown email costs the same as a wrong password
// and answers the same. API keys ("sy_…") are stored as SHA-256 hashes and
// belong to one organization or, for the admin API, to the platform.
//
// Logging out or revoking a session takes effect at once on this replica:
// the Service keeps the revoked session ids for as long as an access token
// can live, and reports each revocation to observers (open sockets are
// closed; other replicas are told through the bus).
//
// auth imports nothing of Switchyard's: API keys reach the permission store
// through the KeyGrants interface, and organizations are only IDs here.
// A Service is safe for concurrent use.
package auth
