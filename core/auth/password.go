package auth

import (
	"context"
	"fmt"
	"runtime"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// PasswordParams are the argon2id costs; tests use cheaper ones than
// DefaultPasswordParams.
type PasswordParams = argon2id.Params

// DefaultPasswordParams: 64 MiB, 1 pass, 2 lanes (RFC 9106 and OWASP
// give this among their recommended settings; about 100 ms here).
var DefaultPasswordParams = PasswordParams{Memory: 64 * 1024, Iterations: 1, Parallelism: 2, SaltLength: 16, KeyLength: 32}

// Password length bounds, in characters.
const (
	minPasswordLen = 8
	maxPasswordLen = 128
)

// hasher hashes and checks passwords, never more at once than the machine
// has cores, so a burst of sign-ins queues instead of exhausting memory.
type hasher struct {
	params PasswordParams
	slots  chan struct{}
	dummy  string // compared against when the email is unknown
}

func newHasher(p PasswordParams) (*hasher, error) {
	h := &hasher{params: p, slots: make(chan struct{}, max(runtime.NumCPU(), 1))}
	dummy, err := argon2id.CreateHash("switchyard-timing-equalizer", &h.params)
	if err != nil {
		return nil, fmt.Errorf("auth: password hasher: %w", err)
	}
	h.dummy = dummy
	return h, nil
}

func (h *hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ErrBusy
	}
}

func (h *hasher) release() { <-h.slots }

func (h *hasher) hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return argon2id.CreateHash(password, &h.params)
}

// check compares password with hash; an empty hash is compared against a
// dummy so that the time taken does not reveal whether the account exists.
func (h *hasher) check(ctx context.Context, password, hash string) (bool, error) {
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	if hash == "" {
		_, _ = argon2id.ComparePasswordAndHash(password, h.dummy)
		return false, nil
	}
	return argon2id.ComparePasswordAndHash(password, hash)
}

func checkPassword(p string) error {
	n := utf8.RuneCountInString(p)
	switch {
	case !utf8.ValidString(p):
		return invalid("password", "must be valid UTF-8 text")
	case n < minPasswordLen:
		return invalid("password", fmt.Sprintf("must be at least %d characters", minPasswordLen))
	case n > maxPasswordLen:
		return invalid("password", fmt.Sprintf("must be at most %d characters", maxPasswordLen))
	}
	return nil
}
