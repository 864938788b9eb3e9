package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// APIKeyPrefix starts every API key, so a leaked key is recognizable (and
// so the HTTP layer can tell a key from a JWT).
const APIKeyPrefix = "sy_"

// KeyGrants stores what an organization API key may do, inside the
// transaction that creates or revokes the key.
type KeyGrants interface {
	WriteKeyPermissions(tx *gorm.DB, org, keyID string, permissions []string) error
	RemoveKey(tx *gorm.DB, org, keyID string) error
}

// APIKey is a long-lived credential for a backend. Only its hash is stored.
type APIKey struct {
	ID          string     `gorm:"primaryKey" json:"id"`
	OrgID       *string    `json:"-"`
	Name        string     `json:"name"`
	Prefix      string     `json:"prefix"`
	KeyHash     string     `json:"-"`
	Permissions string     `json:"-"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	LastUsedAt  *time.Time `json:"last_used_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
	RevokedAt   *time.Time `json:"-"`
}

// TableName is the api_keys table.
func (APIKey) TableName() string { return "api_keys" }

// PermissionList is the key's permissions.
func (k *APIKey) PermissionList() []string {
	if k.Permissions == "" {
		return []string{}
	}
	return strings.Split(k.Permissions, ",")
}

// Platform reports whether the key belongs to the platform (admin API).
func (k *APIKey) Platform() bool { return k.OrgID == nil }

// NewAPIKey describes a key to create.
type NewAPIKey struct {
	OrgID       string // empty: a platform key
	OrgSlug     string
	Name        string
	Permissions []string
	CreatedBy   string
	ExpiresAt   *time.Time
}

// CreateAPIKey stores a new key and returns it with its secret, which is
// shown this once.
func (s *Service) CreateAPIKey(ctx context.Context, in NewAPIKey) (*APIKey, string, error) {
	name, err := checkUserName(in.Name)
	if err != nil {
		return nil, "", err
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.now()) {
		return nil, "", invalid("expires_at", "must be in the future")
	}
	raw, _ := newSecret()
	secret := APIKeyPrefix + raw
	k := &APIKey{
		ID: uuid.Must(uuid.NewV7()).String(), Name: name, Prefix: secret[:len(APIKeyPrefix)+6],
		KeyHash: hashSecret(secret), Permissions: strings.Join(in.Permissions, ","),
		CreatedBy: in.CreatedBy, CreatedAt: s.now(), ExpiresAt: in.ExpiresAt,
	}
	if in.OrgID != "" {
		org := in.OrgID
		k.OrgID = &org
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(k).Error; err != nil {
			return err
		}
		if k.OrgID != nil && s.grants != nil {
			return s.grants.WriteKeyPermissions(tx, in.OrgSlug, k.ID, in.Permissions)
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("auth: create API key: %w", err)
	}
	if k.OrgID != nil {
		s.keyChanged(KeyChange{OrgSlug: in.OrgSlug, KeyID: k.ID})
	}
	return k, secret, nil
}

// APIKeys lists an organization's live keys (orgID empty: the platform's).
func (s *Service) APIKeys(ctx context.Context, orgID string) ([]APIKey, error) {
	q := s.db.WithContext(ctx).Where("revoked_at IS NULL").Order("id")
	if orgID == "" {
		q = q.Where("org_id IS NULL")
	} else {
		q = q.Where("org_id = ?", orgID)
	}
	var keys []APIKey
	if err := q.Limit(1000).Find(&keys).Error; err != nil {
		return nil, fmt.Errorf("auth: list API keys: %w", err)
	}
	return keys, nil
}

// RevokeAPIKey revokes one key of an organization (orgID empty: the platform's).
func (s *Service) RevokeAPIKey(ctx context.Context, orgID, orgSlug, id string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Model(&APIKey{}).Where("id = ? AND revoked_at IS NULL", id)
		if orgID == "" {
			q = q.Where("org_id IS NULL")
		} else {
			q = q.Where("org_id = ?", orgID)
		}
		res := q.Update("revoked_at", s.now())
		if res.Error != nil {
			return fmt.Errorf("auth: revoke API key: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if orgID != "" && s.grants != nil {
			return s.grants.RemoveKey(tx, orgSlug, id)
		}
		return nil
	})
	if err == nil {
		s.ForgetKey(id)
		if orgID != "" {
			s.keyChanged(KeyChange{OrgSlug: orgSlug, KeyID: id})
		}
	}
	return err
}

// keyCacheTTL bounds how long a verified key is trusted without reading
// the database again. Revocations clear the cache at once on every replica
// (ForgetKey); the TTL only bounds an expiry's lag.
const keyCacheTTL = 30 * time.Second

type cachedKey struct {
	key   APIKey
	until time.Time
}

// recordUse notes a key's last use, written in the background. The
// request that used the key does not wait for it: on SQLite a write waits
// for the database's one write lock, which the event journal takes
// hundreds of times a second under load, and a waiting writer polls for
// it with sleeps growing to 100 ms. Written in line, this UPDATE held
// publish calls for up to half a second (loadgen fanout -orgs 100 -rate
// 600: publish call max 450 ms); written by one goroutine per key, the
// waiting writers took the connection pool. One goroutine writes every
// pending use in one transaction, then ends; Wait waits for it.
func (s *Service) recordUse(keyID string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pendingUse[keyID] = at
	if s.recording {
		return
	}
	s.recording = true
	s.records.Add(1)
	go s.writeUses()
}

func (s *Service) writeUses() {
	defer s.records.Done()
	for {
		s.mu.Lock()
		uses := s.pendingUse
		if len(uses) == 0 {
			s.recording = false
			s.mu.Unlock()
			return
		}
		s.pendingUse = map[string]time.Time{}
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_ = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			for id, at := range uses {
				if err := tx.Model(&APIKey{}).Where("id = ?", id).Update("last_used_at", at).Error; err != nil {
					return err
				}
			}
			return nil
		})
		cancel()
	}
}

// Wait waits for the background writes of API keys' last use.
func (s *Service) Wait() { s.records.Wait() }

// VerifyAPIKey finds the live key a secret belongs to. Verified keys are
// remembered for a short while, so a busy backend's calls cost no query.
func (s *Service) VerifyAPIKey(ctx context.Context, secret string) (*APIKey, error) {
	if !strings.HasPrefix(secret, APIKeyPrefix) || len(secret) > 128 {
		return nil, ErrTokenInvalid
	}
	hash := hashSecret(secret)
	now := s.now()
	s.mu.RLock()
	c, ok := s.keyCache[hash]
	s.mu.RUnlock()
	if ok && now.Before(c.until) && (c.key.ExpiresAt == nil || now.Before(*c.key.ExpiresAt)) {
		k := c.key
		return &k, nil
	}
	var k APIKey
	err := s.db.WithContext(ctx).Where("key_hash = ? AND revoked_at IS NULL", hash).Take(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrTokenInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("auth: verify API key: %w", err)
	}
	if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
		return nil, ErrTokenInvalid
	}
	// Record use at most once a minute, to keep verification a read.
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute {
		s.recordUse(k.ID, now)
		k.LastUsedAt = &now
	}
	s.mu.Lock()
	if len(s.keyCache) >= 10_000 {
		s.keyCache = map[string]cachedKey{}
	}
	s.keyCache[hash] = cachedKey{key: k, until: now.Add(keyCacheTTL)}
	s.mu.Unlock()
	return &k, nil
}

// ForgetKey drops a key from the verification cache (after a revocation
// here or on another replica).
func (s *Service) ForgetKey(keyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, c := range s.keyCache {
		if c.key.ID == keyID {
			delete(s.keyCache, h)
		}
	}
}
