package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// User is an account. PasswordHash never leaves the package in JSON.
type User struct {
	ID            string    `gorm:"primaryKey" json:"id"`
	Email         string    `json:"email"`
	Name          string    `json:"name"`
	PasswordHash  string    `json:"-"`
	PlatformAdmin bool      `json:"platform_admin"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// TableName is the users table.
func (User) TableName() string { return "users" }

// NormalizeEmail validates a bare email address and lower-cases it.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid("email", "is required")
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" || len(s) > 254 {
		return "", invalid("email", "must be a plain email address such as ada@example.com")
	}
	return strings.ToLower(s), nil
}

func checkUserName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid("name", "is required")
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 100 {
		return "", invalid("name", "must be valid text of at most 100 characters")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", invalid("name", "must not contain control characters")
		}
	}
	return s, nil
}

// CreateUser adds an account. It is what registration and the operator's
// `admin create-user` share.
func (s *Service) CreateUser(ctx context.Context, email, password, name string, platformAdmin bool) (*User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if name, err = checkUserName(name); err != nil {
		return nil, err
	}
	if err := checkPassword(password); err != nil {
		return nil, err
	}
	hash, err := s.hasher.hash(ctx, password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u := &User{ID: uuid.Must(uuid.NewV7()).String(), Email: email, Name: name, PasswordHash: hash,
		PlatformAdmin: platformAdmin, CreatedAt: now, UpdatedAt: now}
	if err := s.db.WithContext(ctx).Create(u).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, ErrEmailTaken
		}
		return nil, fmt.Errorf("auth: create user: %w", err)
	}
	return u, nil
}

// SetPlatformAdmin grants or withdraws the platform admin role.
func (s *Service) SetPlatformAdmin(ctx context.Context, userID string, admin bool) error {
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", userID).
		Updates(map[string]any{"platform_admin": admin, "updated_at": s.now()})
	if res.Error != nil {
		return fmt.Errorf("auth: set platform admin: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// User returns the account with id.
func (s *Service) User(ctx context.Context, id string) (*User, error) {
	var u User
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("auth: find user: %w", err)
	}
	return &u, nil
}

// UserByEmail returns the account with email.
func (s *Service) UserByEmail(ctx context.Context, email string) (*User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, ErrNotFound
	}
	var u User
	if err := s.db.WithContext(ctx).Where("email = ?", email).Take(&u).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("auth: find user: %w", err)
	}
	return &u, nil
}

// CountUsers returns how many accounts exist.
func (s *Service) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&User{}).Count(&n).Error
	return n, err
}
