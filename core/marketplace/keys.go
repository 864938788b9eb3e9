package marketplace

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// InstanceKeyFile is the instance's own signing key in the data directory.
const InstanceKeyFile = "instance.key"

func validName(n string) bool { return grpcplugin.ValidPluginName(n) }

// EncodePublicKey is the text form of a public key: standard base64 of its
// 32 bytes (the form SWITCHYARD_TRUSTED_KEYS takes).
func EncodePublicKey(pub ed25519.PublicKey) string {
	return base64.StdEncoding.EncodeToString(pub)
}

// ParsePublicKey reads a public key's text form.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, errors.New("not base64 of a 32-byte ed25519 public key")
	}
	return ed25519.PublicKey(raw), nil
}

// ParsePublicKeys reads a list of public keys (SWITCHYARD_TRUSTED_KEYS).
func ParsePublicKeys(list []string) ([]ed25519.PublicKey, error) {
	var out []ed25519.PublicKey
	for _, s := range list {
		if strings.TrimSpace(s) == "" {
			continue
		}
		k, err := ParsePublicKey(s)
		if err != nil {
			return nil, fmt.Errorf("trusted key %q: %w", clip(s), err)
		}
		out = append(out, k)
	}
	return out, nil
}

// GenerateKeyFile creates a new ed25519 key at path (PEM, PKCS #8, mode
// 0600, its directory created 0700). It refuses to overwrite a file.
func GenerateKeyFile(path string) (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("key directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create key: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, fmt.Errorf("write key: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return nil, err
	}
	return priv, f.Close()
}

// LoadKeyFile reads an ed25519 private key written by GenerateKeyFile.
func LoadKeyFile(path string) (ed25519.PrivateKey, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // the operator's key file
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: not a PEM \"PRIVATE KEY\"", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an ed25519 key", path)
	}
	return priv, nil
}

// LoadOrGenerateKeyFile loads the key at path, creating it first if there
// is none.
func LoadOrGenerateKeyFile(path string) (ed25519.PrivateKey, bool, error) {
	k, err := LoadKeyFile(path)
	if err == nil {
		return k, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	k, err = GenerateKeyFile(path)
	if errors.Is(err, fs.ErrExist) { // created concurrently
		k, err = LoadKeyFile(path)
		return k, false, err
	}
	return k, err == nil, err
}
