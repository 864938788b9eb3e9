package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Config tunes a Service. Zero durations take the defaults noted.
type Config struct {
	// Secret signs access tokens (HS256); at least 32 bytes.
	Secret []byte
	// Issuer is the JWT iss claim; default "switchyard".
	Issuer string
	// AccessTTL is how long an access token lives; default 15 minutes.
	AccessTTL time.Duration
	// RefreshTTL is how long a session lasts without use; default 30 days.
	RefreshTTL time.Duration
	// Password are the argon2id costs; the zero value means DefaultPasswordParams.
	Password PasswordParams
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Service signs users in and out and verifies their credentials.
type Service struct {
	db     *gorm.DB
	cfg    Config
	tokens *issuer
	hasher *hasher
	grants KeyGrants

	mu           sync.RWMutex
	revoked      map[string]time.Time // session id -> when its access tokens have all expired
	usedTickets  map[string]int64     // ticket nonce -> expiry (unix seconds)
	keyCache     map[string]cachedKey // API key hash -> verified key
	ticketsSwept time.Time
	ticketKey    []byte
	observers    []func(Revocation)
	keyObservers []func(KeyChange)

	pendingUse map[string]time.Time // API key ID -> last use not yet written
	recording  bool                 // a goroutine writes pendingUse
	records    sync.WaitGroup
}

// KeyChange reports an organization API key created or revoked, after the
// commit, so the authorizer can reload the key's permissions.
type KeyChange struct {
	OrgSlug string
	KeyID   string
}

// OnKeyChange registers fn to run after each API key change.
func (s *Service) OnKeyChange(fn func(KeyChange)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keyObservers = append(s.keyObservers, fn)
}

func (s *Service) keyChanged(c KeyChange) {
	s.mu.RLock()
	obs := s.keyObservers
	s.mu.RUnlock()
	for _, fn := range obs {
		fn(c)
	}
}

// Revocation reports a session that ended before its time.
type Revocation struct {
	SessionID string
	UserID    string
	Reason    string
}

// ClientMeta describes the client signing in, kept with its session.
type ClientMeta struct {
	UserAgent string
	IP        string
}

// Tokens are what a sign-in or refresh returns.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// NewService returns a Service over db. grants stores API keys'
// permissions; it may be nil when keys are not used.
func NewService(db *gorm.DB, cfg Config, grants KeyGrants) (*Service, error) {
	if cfg.Issuer == "" {
		cfg.Issuer = "switchyard"
	}
	if cfg.AccessTTL <= 0 {
		cfg.AccessTTL = 15 * time.Minute
	}
	if cfg.RefreshTTL <= 0 {
		cfg.RefreshTTL = 30 * 24 * time.Hour
	}
	if cfg.Password == (PasswordParams{}) {
		cfg.Password = DefaultPasswordParams
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	tok, err := newIssuer(cfg.Secret, cfg.Issuer, cfg.AccessTTL)
	if err != nil {
		return nil, err
	}
	h, err := newHasher(cfg.Password)
	if err != nil {
		return nil, err
	}
	// Tickets are signed with a key derived from the token secret, so the
	// two kinds of credential can never be mistaken for each other.
	mac := hmac.New(sha256.New, cfg.Secret)
	mac.Write([]byte("switchyard websocket tickets"))
	return &Service{db: db, cfg: cfg, tokens: tok, hasher: h, grants: grants, revoked: map[string]time.Time{},
		usedTickets: map[string]int64{}, keyCache: map[string]cachedKey{}, ticketKey: mac.Sum(nil), pendingUse: map[string]time.Time{}}, nil
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// AccessTTL is how long access tokens live.
func (s *Service) AccessTTL() time.Duration { return s.cfg.AccessTTL }

// Register creates an account and signs it in.
func (s *Service) Register(ctx context.Context, email, password, name string, meta ClientMeta) (*User, *Tokens, error) {
	u, err := s.CreateUser(ctx, email, password, name, false)
	if err != nil {
		return nil, nil, err
	}
	tok, err := s.startSession(ctx, u.ID, meta)
	if err != nil {
		return nil, nil, err
	}
	return u, tok, nil
}

// Login checks an email and password and starts a session. An unknown
// email and a wrong password both return ErrInvalidCredentials, after the
// same work.
func (s *Service) Login(ctx context.Context, email, password string, meta ClientMeta) (*User, *Tokens, error) {
	u, err := s.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, nil, err
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	if len(password) > 4*maxPasswordLen {
		password = password[:4*maxPasswordLen]
	}
	ok, err := s.hasher.check(ctx, password, hash)
	if err != nil {
		return nil, nil, err
	}
	if !ok || u == nil {
		return nil, nil, ErrInvalidCredentials
	}
	tok, err := s.startSession(ctx, u.ID, meta)
	if err != nil {
		return nil, nil, err
	}
	return u, tok, nil
}

// session is a sign-in; its refresh tokens rotate within it.
type session struct {
	ID           string `gorm:"primaryKey"`
	UserID       string
	UserAgent    string
	IP           string
	CreatedAt    time.Time
	LastUsedAt   time.Time
	ExpiresAt    time.Time
	RevokedAt    *time.Time
	RevokeReason string
}

func (session) TableName() string { return "sessions" }

type refreshToken struct {
	ID        string `gorm:"primaryKey"`
	SessionID string
	TokenHash string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

func (refreshToken) TableName() string { return "refresh_tokens" }

func (s *Service) startSession(ctx context.Context, userID string, meta ClientMeta) (*Tokens, error) {
	now := s.now()
	sess := session{
		ID: uuid.Must(uuid.NewV7()).String(), UserID: userID,
		UserAgent: clip(meta.UserAgent, 256), IP: clip(meta.IP, 64),
		CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTTL),
	}
	var tok *Tokens
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&sess).Error; err != nil {
			return err
		}
		var err error
		tok, err = s.issue(tx, userID, sess.ID, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("auth: start session: %w", err)
	}
	return tok, nil
}

// issue writes a fresh refresh token for the session and signs an access token.
func (s *Service) issue(tx *gorm.DB, userID, sessionID string, now time.Time) (*Tokens, error) {
	raw, hash := newSecret()
	rt := refreshToken{ID: uuid.Must(uuid.NewV7()).String(), SessionID: sessionID, TokenHash: hash,
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTTL)}
	if err := tx.Create(&rt).Error; err != nil {
		return nil, err
	}
	access, err := s.tokens.sign(userID, sessionID, now)
	if err != nil {
		return nil, err
	}
	return &Tokens{AccessToken: access, RefreshToken: raw, ExpiresIn: int(s.cfg.AccessTTL / time.Second), TokenType: "Bearer"}, nil
}

// Refresh consumes a refresh token and returns the next pair of the same
// session. Of two concurrent refreshes of one token at most one succeeds;
// presenting a consumed token revokes the session (ErrRefreshReused).
func (s *Service) Refresh(ctx context.Context, token string) (*User, *Tokens, error) {
	if token == "" || len(token) > 256 {
		return nil, nil, ErrTokenInvalid
	}
	hash := hashSecret(token)
	now := s.now()
	var (
		tok    *Tokens
		userID string
		reused *session
	)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rt refreshToken
		if err := tx.Where("token_hash = ?", hash).Take(&rt).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrTokenInvalid
			}
			return err
		}
		var sess session
		if err := tx.Where("id = ?", rt.SessionID).Take(&sess).Error; err != nil {
			return err
		}
		if sess.RevokedAt != nil || !now.Before(sess.ExpiresAt) || !now.Before(rt.ExpiresAt) {
			return ErrTokenInvalid
		}
		// Consume the token: exactly one UPDATE can find it unused.
		res := tx.Model(&refreshToken{}).Where("id = ? AND used_at IS NULL", rt.ID).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			reused = &sess
			return ErrRefreshReused
		}
		if err := tx.Model(&session{}).Where("id = ?", sess.ID).Update("last_used_at", now).Error; err != nil {
			return err
		}
		userID = sess.UserID
		var err error
		tok, err = s.issue(tx, sess.UserID, sess.ID, now)
		return err
	})
	if errors.Is(err, ErrRefreshReused) && reused != nil {
		if rerr := s.revokeSession(ctx, reused.ID, reused.UserID, "refresh token reused"); rerr != nil {
			return nil, nil, rerr
		}
		return nil, nil, ErrRefreshReused
	}
	if err != nil {
		if errors.Is(err, ErrTokenInvalid) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("auth: refresh: %w", err)
	}
	u, err := s.User(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	return u, tok, nil
}

// Logout ends the session an access token belongs to.
func (s *Service) Logout(ctx context.Context, c *Claims) error {
	return s.revokeSession(ctx, c.SessionID, c.Subject, "logout")
}

// RevokeUserSessions ends every session of a user (e.g. after a password change).
func (s *Service) RevokeUserSessions(ctx context.Context, userID, reason string) error {
	var ids []string
	if err := s.db.WithContext(ctx).Model(&session{}).
		Where("user_id = ? AND revoked_at IS NULL", userID).Pluck("id", &ids).Error; err != nil {
		return fmt.Errorf("auth: list sessions: %w", err)
	}
	for _, id := range ids {
		if err := s.revokeSession(ctx, id, userID, reason); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) revokeSession(ctx context.Context, sessionID, userID, reason string) error {
	now := s.now()
	if err := s.db.WithContext(ctx).Model(&session{}).
		Where("id = ? AND revoked_at IS NULL", sessionID).
		Updates(map[string]any{"revoked_at": now, "revoke_reason": reason}).Error; err != nil {
		return fmt.Errorf("auth: revoke session: %w", err)
	}
	r := Revocation{SessionID: sessionID, UserID: userID, Reason: reason}
	s.Remember(r)
	s.mu.RLock()
	obs := s.observers
	s.mu.RUnlock()
	for _, fn := range obs {
		fn(r)
	}
	return nil
}

// Remember records that a session ended, so its access tokens stop working
// at once on this replica. Other replicas call it when the bus reports a
// revocation made elsewhere; it does not call the observers.
func (s *Service) Remember(r Revocation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.revoked[r.SessionID] = now.Add(s.cfg.AccessTTL + time.Minute)
	for id, until := range s.revoked {
		if now.After(until) {
			delete(s.revoked, id)
		}
	}
}

// OnRevoke registers fn to run after each session revocation made by this
// replica.
func (s *Service) OnRevoke(fn func(Revocation)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observers = append(s.observers, fn)
}

// LoadRevocations remembers the sessions revoked recently enough that
// their access tokens could still be alive: at start, and when a replica
// may have missed the news of some. It returns the sessions it did not
// know of.
func (s *Service) LoadRevocations(ctx context.Context) ([]string, error) {
	since := s.now().Add(-s.cfg.AccessTTL - time.Minute)
	var rows []session
	if err := s.db.WithContext(ctx).Select("id", "revoked_at").
		Where("revoked_at IS NOT NULL AND revoked_at > ?", since).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("auth: load revocations: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var added []string
	for _, r := range rows {
		if _, known := s.revoked[r.ID]; !known {
			added = append(added, r.ID)
		}
		s.revoked[r.ID] = r.RevokedAt.Add(s.cfg.AccessTTL + time.Minute)
	}
	return added, nil
}

// VerifyAccess checks an access token: signature, algorithm, issuer,
// expiry, and that its session was not revoked.
func (s *Service) VerifyAccess(token string) (*Claims, error) {
	c, err := s.tokens.verify(token)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	_, revoked := s.revoked[c.SessionID]
	s.mu.RUnlock()
	if revoked {
		return nil, ErrTokenInvalid
	}
	return c, nil
}

// SessionActive reports whether a session is still valid (not revoked or
// expired); long-lived connections ask it when they start.
func (s *Service) SessionActive(ctx context.Context, sessionID string) (bool, error) {
	var sess session
	err := s.db.WithContext(ctx).Select("id", "revoked_at", "expires_at").Where("id = ?", sessionID).Take(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("auth: session: %w", err)
	}
	return sess.RevokedAt == nil && s.now().Before(sess.ExpiresAt), nil
}

// newSecret returns a random token and its SHA-256 hash. Secrets of 256
// random bits need no slow hash: nobody can guess them from the hash.
func newSecret() (raw, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("auth: crypto/rand failed: " + err.Error()) // never on supported platforms
	}
	raw = base64.RawURLEncoding.EncodeToString(b[:])
	return raw, hashSecret(raw)
}

func hashSecret(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
