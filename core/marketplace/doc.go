// Package marketplace is how plugins reach an organization: a catalog of
// signed releases, a store of verified binaries, and per-organization
// installations (install, upgrade, configure, uninstall).
//
// # The catalog
//
// A catalog is a catalog.json file in a directory or at an http(s) URL
// (SWITCHYARD_CATALOG). It lists releases: a plugin's name, version,
// description, publisher, a summary of its manifest (actions with their
// input schemas and permissions, event types, config schema), and one
// entry per platform (GOOS/GOARCH) with the binary's SHA-256, its location
// (a path relative to the catalog, or an http(s) URL) and an ed25519
// signature with the signer's public key. See Catalog for the format.
//
// # What is signed
//
// The signature of a platform entry covers, together, the plugin's name,
// its version, the platform and the binary's SHA-256, as this exact byte
// string (SignedMessage):
//
//	switchyard-plugin-release/v1\n
//	name=<name>\n
//	version=<version>\n
//	platform=<goos>/<goarch>\n
//	sha256=<64 lower-case hex digits>\n
//
// Each field is checked against a grammar with no separators in it (plugin
// name ^[a-z][a-z0-9-]{1,62}$, semantic version, GOOS and GOARCH
// ^[a-z0-9_]{1,32}$, hex), so the message is unambiguous: a signature for
// one release cannot be moved to another name, another version (no
// rollback to an older build under a newer number, no replay of an old
// version's signature), another platform, or another binary. The signer's
// key must be trusted: one of SWITCHYARD_TRUSTED_KEYS or the instance's own
// key (generated once into DATA_DIR/instance.key, which `make run` uses to
// sign the first-party plugins). The manifest summary is informational; the
// host reads the real manifest from the verified binary and refuses one
// whose name or version differ from the release.
//
// # Installing
//
// Install looks the release up, verifies its signature before fetching
// anything, fetches the binary (through the outbound policy for URLs;
// inside the catalog directory for paths), checks its SHA-256 while
// copying it into the plugin directory (PLUGIN_DIR/<name>/<version>/plugin,
// directories 0700, the binary 0500, staged and renamed into place so a
// partial copy is never seen), starts it through the plugin host, and only
// then records the installation, within the organization's plugin quota.
// Any failure leaves nothing behind: no installation row, no new binary.
// A newer version of an installed plugin is an upgrade; an older one is
// refused (ErrDowngrade). The host checks the recorded SHA-256 again before
// every start, so a binary changed on disk later will not run.
//
// marketplace imports core/pluginhost (to run what it installs),
// core/store, core/events (activity events), tenants and sdk/outbound.
// A Service is safe for concurrent use.
package marketplace
