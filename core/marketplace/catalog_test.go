package marketplace

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sumA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func newKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func release(name, version string) Release {
	return Release{Name: name, Version: version, Manifest: ManifestSummary{Actions: []ActionSummary{}, EventTypes: []string{}},
		Platforms: []Platform{{OS: "linux", Arch: "amd64", SHA256: sumA, URL: name + "/" + version + "/linux-amd64/" + name}}}
}

func TestSignedMessageFormat(t *testing.T) {
	msg, err := SignedMessage("sync", "1.2.0", "linux/amd64", sumA)
	if err != nil {
		t.Fatal(err)
	}
	want := "switchyard-plugin-release/v1\nname=sync\nversion=1.2.0\nplatform=linux/amd64\nsha256=" + sumA + "\n"
	if string(msg) != want {
		t.Fatalf("message = %q", msg)
	}
	for _, bad := range [][4]string{
		{"Sync", "1.2.0", "linux/amd64", sumA},
		{"sync", "1.2", "linux/amd64", sumA},
		{"sync", "1.2.0\nname=x", "linux/amd64", sumA},
		{"sync", "1.2.0", "linux", sumA},
		{"sync", "1.2.0", "linux/amd64/x", sumA},
		{"sync", "1.2.0", "linux/amd64", strings.ToUpper(sumA)},
		{"sync", "1.2.0", "linux/amd64", sumA[:63]},
	} {
		if _, err := SignedMessage(bad[0], bad[1], bad[2], bad[3]); err == nil {
			t.Errorf("SignedMessage%q accepted", bad)
		}
	}
}

// TestVerifyPlatform: a signature binds name, version, platform and
// SHA-256 together; changing any of them, or signing with a key the
// platform does not trust, is refused with the matching error.
func TestVerifyPlatform(t *testing.T) {
	trusted, stranger := newKey(t), newKey(t)
	ring := NewKeyring(trusted.Public().(ed25519.PublicKey))
	signed := func(key ed25519.PrivateKey) Release {
		r := release("sync", "1.0.0")
		if err := Sign(key, &r, &r.Platforms[0]); err != nil {
			t.Fatal(err)
		}
		return r
	}
	good := signed(trusted)
	if _, err := ring.VerifyPlatform(&good, &good.Platforms[0]); err != nil {
		t.Fatalf("good release: %v", err)
	}
	cases := []struct {
		name  string
		edit  func(r *Release)
		want  error
		fresh func() Release
	}{
		{name: "unsigned", edit: func(r *Release) { r.Platforms[0].Signature = "" }, want: ErrUnsigned},
		{name: "flipped signature", edit: func(r *Release) {
			sig, _ := base64.StdEncoding.DecodeString(r.Platforms[0].Signature)
			sig[0] ^= 1
			r.Platforms[0].Signature = base64.StdEncoding.EncodeToString(sig)
		}, want: ErrBadSignature},
		{name: "swapped binary", edit: func(r *Release) { r.Platforms[0].SHA256 = strings.Repeat("b", 64) }, want: ErrBadSignature},
		{name: "rolled back under a newer version", edit: func(r *Release) { r.Version = "1.0.1" }, want: ErrBadSignature},
		{name: "renamed", edit: func(r *Release) { r.Name = "files" }, want: ErrBadSignature},
		{name: "other platform", edit: func(r *Release) { r.Platforms[0].Arch = "arm64" }, want: ErrBadSignature},
		{name: "untrusted key", fresh: func() Release { return signed(stranger) }, want: ErrUntrustedKey},
		{name: "untrusted key claiming to be trusted", fresh: func() Release {
			r := signed(stranger)
			r.Platforms[0].PublicKey = EncodePublicKey(trusted.Public().(ed25519.PublicKey))
			return r
		}, want: ErrBadSignature},
		{name: "no key named, none matches", fresh: func() Release {
			r := signed(stranger)
			r.Platforms[0].PublicKey = ""
			return r
		}, want: ErrUntrustedKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := signed(trusted)
			if tc.fresh != nil {
				r = tc.fresh()
			}
			if tc.edit != nil {
				tc.edit(&r)
			}
			_, err := ring.VerifyPlatform(&r, &r.Platforms[0])
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseCatalog(t *testing.T) {
	ok := `{"schema_version":1,"releases":[{"name":"sync","version":"1.0.0","manifest":{"actions":[],"event_types":[]},
		"platforms":[{"os":"linux","arch":"amd64","sha256":"` + sumA + `","url":"sync/1.0.0/linux-amd64/sync"}]}]}`
	if _, err := ParseCatalog([]byte(ok)); err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{
		"unknown field":     strings.Replace(ok, `"schema_version":1`, `"schema_version":1,"extra":true`, 1),
		"schema version":    strings.Replace(ok, `"schema_version":1`, `"schema_version":2`, 1),
		"trailing data":     ok + `{}`,
		"bad name":          strings.Replace(ok, `"name":"sync"`, `"name":"../x"`, 1),
		"bad version":       strings.Replace(ok, `"version":"1.0.0"`, `"version":"v1"`, 1),
		"traversal":         strings.Replace(ok, `sync/1.0.0/linux-amd64/sync`, `../../etc/passwd`, 1),
		"absolute path":     strings.Replace(ok, `sync/1.0.0/linux-amd64/sync`, `/etc/passwd`, 1),
		"file URL":          strings.Replace(ok, `sync/1.0.0/linux-amd64/sync`, `file:///etc/passwd`, 1),
		"credentials":       strings.Replace(ok, `sync/1.0.0/linux-amd64/sync`, `https://u:p@example.com/x`, 1),
		"uppercase sha":     strings.Replace(ok, sumA, strings.ToUpper(sumA), 1),
		"no platforms":      strings.Replace(ok, `"platforms":[{"os":"linux","arch":"amd64","sha256":"`+sumA+`","url":"sync/1.0.0/linux-amd64/sync"}]`, `"platforms":[]`, 1),
		"duplicate release": strings.Replace(ok, `]}`, `]},{"name":"sync","version":"1.0.0","manifest":{"actions":[],"event_types":[]},"platforms":[{"os":"linux","arch":"amd64","url":"x"}]}`, 1),
		"short signature":   strings.Replace(ok, `"url":`, `"signature":"AAAA","url":`, 1),
	}
	for name, raw := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseCatalog([]byte(raw)); err == nil {
				t.Fatalf("accepted: %s", raw)
			}
		})
	}
}

func TestCompareVersions(t *testing.T) {
	ordered := []string{"0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0", "10.0.0"}
	for i := range ordered {
		for j := range ordered {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := CompareVersions(ordered[i], ordered[j]); got != want {
				t.Errorf("CompareVersions(%s, %s) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	if CompareVersions("1.0.0+build.1", "1.0.0+build.2") != 0 {
		t.Error("build metadata affects order")
	}
}

// TestBinStoreRefusesWrongChecksum: a binary that does not hash to its
// signed SHA-256 never appears in the store.
func TestBinStoreRefusesWrongChecksum(t *testing.T) {
	b, err := newBinStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.put("sync", "1.0.0", sumA, strings.NewReader("not the binary"), 1<<20)
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("put = %v", err)
	}
	entries, _ := os.ReadDir(b.dir)
	if len(entries) != 0 {
		t.Fatalf("store not empty after a refused binary: %v", entries)
	}
	body := "the binary"
	sum, _ := hashReader(strings.NewReader(body))
	created, err := b.put("sync", "1.0.0", sum, strings.NewReader(body), 1<<20)
	if err != nil || !created {
		t.Fatalf("put = %v, %v", created, err)
	}
	st, err := os.Stat(b.path("sync", "1.0.0"))
	if err != nil || st.Mode().Perm() != 0o500 {
		t.Fatalf("stored binary: %v, %v", st, err)
	}
	if dst, _ := os.Stat(filepath.Dir(b.path("sync", "1.0.0"))); dst.Mode().Perm() != 0o500 {
		t.Fatalf("version directory mode %v", dst.Mode().Perm())
	}
	// Too large is refused as well.
	if _, err := b.put("sync", "2.0.0", sum, strings.NewReader(body), 3); err == nil {
		t.Fatal("an oversized binary was stored")
	}
}

// TestDirectorySourceStaysInside: a catalog directory's paths cannot reach
// outside it, even through a symbolic link.
func TestDirectorySourceStaysInside(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	src, err := newSource(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rc, err := src.open(t.Context(), "link/secret", 10); err == nil {
		rc.Close()
		t.Fatal("a symbolic link led outside the catalog directory")
	}
	if _, err := src.open(t.Context(), "../secret", 10); err == nil {
		t.Fatal("a .. path was opened")
	}
}

// FuzzParseCatalog: no input makes the parser panic, and whatever it
// accepts is well-formed and survives verification attempts.
func FuzzParseCatalog(f *testing.F) {
	key := newKey(f)
	r := release("sync", "1.0.0")
	_ = Sign(key, &r, &r.Platforms[0])
	seed := `{"schema_version":1,"releases":[{"name":"sync","version":"1.0.0","manifest":{"actions":[],"event_types":[]},"platforms":[{"os":"linux","arch":"amd64","sha256":"` +
		sumA + `","url":"sync/x","signature":"` + r.Platforms[0].Signature + `","public_key":"` + r.Platforms[0].PublicKey + `"}]}]}`
	f.Add([]byte(seed))
	f.Add([]byte(`{"schema_version":1,"releases":[]}`))
	f.Add([]byte(`{"schema_version":1,"releases":[{"name":"a-b","version":"1.0.0-rc.1+x","platforms":[{"os":"x","arch":"y","url":"https://h/p"}]}]}`))
	ring := NewKeyring(key.Public().(ed25519.PublicKey))
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := ParseCatalog(raw)
		if err != nil {
			return
		}
		for i := range c.Releases {
			rel := &c.Releases[i]
			if !ValidVersion(rel.Version) || len(rel.Platforms) == 0 {
				t.Fatalf("accepted an invalid release %+v", rel)
			}
			for j := range rel.Platforms {
				p := &rel.Platforms[j]
				if err := checkLocation(p.URL); err != nil {
					t.Fatalf("accepted location %q: %v", p.URL, err)
				}
				if _, err := ring.VerifyPlatform(rel, p); err == nil {
					// Only the seed's own release may verify.
					msg, _ := SignedMessage(rel.Name, rel.Version, p.Name(), p.SHA256)
					want, _ := SignedMessage("sync", "1.0.0", "linux/amd64", sumA)
					if string(msg) != string(want) {
						t.Fatalf("a forged release verified: %+v", rel)
					}
				}
			}
		}
	})
}
