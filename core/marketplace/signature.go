package marketplace

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
)

// SignedMessage is the exact byte string a release signature covers (see
// the package documentation). It fails unless every field is well-formed,
// which is what makes the encoding unambiguous.
func SignedMessage(name, version, platform, sha256hex string) ([]byte, error) {
	os, arch, ok := cutPlatform(platform)
	switch {
	case !validName(name):
		return nil, fmt.Errorf("signed message: invalid name %q", clip(name))
	case !ValidVersion(version):
		return nil, fmt.Errorf("signed message: invalid version %q", clip(version))
	case !ok || !platformPartRE.MatchString(os) || !platformPartRE.MatchString(arch):
		return nil, fmt.Errorf("signed message: invalid platform %q", clip(platform))
	case !hexSHA256RE.MatchString(sha256hex):
		return nil, fmt.Errorf("signed message: invalid sha256 %q", clip(sha256hex))
	}
	return []byte("switchyard-plugin-release/v1\n" +
		"name=" + name + "\n" +
		"version=" + version + "\n" +
		"platform=" + platform + "\n" +
		"sha256=" + sha256hex + "\n"), nil
}

func cutPlatform(p string) (os, arch string, ok bool) {
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			return p[:i], p[i+1:], true
		}
	}
	return "", "", false
}

// Sign signs a release's platform entry in place: signature and public key.
func Sign(key ed25519.PrivateKey, r *Release, p *Platform) error {
	msg, err := SignedMessage(r.Name, r.Version, p.Name(), p.SHA256)
	if err != nil {
		return err
	}
	p.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, msg))
	p.PublicKey = EncodePublicKey(key.Public().(ed25519.PublicKey))
	return nil
}

// Keyring is the set of publisher keys the platform trusts.
type Keyring struct {
	keys []ed25519.PublicKey
}

// NewKeyring trusts keys.
func NewKeyring(keys ...ed25519.PublicKey) *Keyring {
	return &Keyring{keys: append([]ed25519.PublicKey(nil), keys...)}
}

// Len is how many keys are trusted.
func (k *Keyring) Len() int { return len(k.keys) }

func (k *Keyring) trusts(pub ed25519.PublicKey) bool {
	for _, t := range k.keys {
		if t.Equal(pub) {
			return true
		}
	}
	return false
}

// VerifyPlatform checks the signature of a release's platform entry: it is
// present, by a trusted key, and over exactly this name, version, platform
// and SHA-256. It returns the signer's key.
func (k *Keyring) VerifyPlatform(r *Release, p *Platform) (ed25519.PublicKey, error) {
	what := r.Name + " " + r.Version + " (" + p.Name() + ")"
	if p.Signature == "" {
		return nil, errorf(ErrUnsigned, "plugin %s is not signed; sign it with `switchyard plugin sign`", what)
	}
	sig, err := base64.StdEncoding.DecodeString(p.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, errorf(ErrBadSignature, "plugin %s: the signature is not base64 of %d bytes", what, ed25519.SignatureSize)
	}
	msg, err := SignedMessage(r.Name, r.Version, p.Name(), p.SHA256)
	if err != nil {
		return nil, errorf(ErrBadSignature, "plugin %s: %v", what, err)
	}
	var candidates []ed25519.PublicKey
	if p.PublicKey != "" {
		pub, err := ParsePublicKey(p.PublicKey)
		if err != nil {
			return nil, errorf(ErrBadSignature, "plugin %s: public_key: %v", what, err)
		}
		if !k.trusts(pub) {
			return nil, errorf(ErrUntrustedKey, "plugin %s is signed by key %s, which this platform does not trust (add it to SWITCHYARD_TRUSTED_KEYS)", what, p.PublicKey)
		}
		candidates = []ed25519.PublicKey{pub}
	} else {
		candidates = k.keys
	}
	for _, pub := range candidates {
		if ed25519.Verify(pub, msg, sig) {
			return pub, nil
		}
	}
	if p.PublicKey == "" {
		return nil, errorf(ErrUntrustedKey, "plugin %s: the signature verifies with none of the %d trusted keys", what, len(k.keys))
	}
	return nil, errorf(ErrBadSignature, "plugin %s: the signature does not match its name, version, platform and SHA-256", what)
}
