package cli

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switchyard/switchyard/core/marketplace"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/outbound"
)

// pluginCmd serves plugin publishers: keys, catalogs, signatures.
func pluginCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plugin",
		Short: "Publish plugins: make a signing key, pack binaries into a catalog, sign and verify it",
		Long: `A catalog is a directory holding catalog.json and the binaries it lists
(serve it as files over http(s) or point SWITCHYARD_CATALOG at the directory).

  switchyard plugin keygen --out publisher.key      # once; prints the public key to trust
  switchyard plugin pack --catalog ./catalog --binary ./bin/plugins/sync
  switchyard plugin sign --catalog ./catalog --key publisher.key
  switchyard plugin verify --catalog ./catalog --trusted-key <public key>

A signature covers the plugin's name, version, platform and SHA-256 together.`,
	}
	cmd.AddCommand(keygenCmd(), pubkeyCmd(), packCmd(), signCmd(), verifyCmd())
	return cmd
}

func keygenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Create an ed25519 signing key (PEM, mode 0600) and print its public key",
		Args:  cobra.NoArgs,
	}
	out := cmd.Flags().String("out", "", "where to write the private key (required)")
	ifMissing := cmd.Flags().Bool("if-missing", false, "keep an existing key instead of failing")
	_ = cmd.MarkFlagRequired("out")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		key, err := marketplace.GenerateKeyFile(*out)
		if errors.Is(err, os.ErrExist) && *ifMissing {
			key, err = marketplace.LoadKeyFile(*out)
		}
		if err != nil {
			return err
		}
		pub := marketplace.EncodePublicKey(key.Public().(ed25519.PublicKey))
		if err := os.WriteFile(*out+".pub", []byte(pub+"\n"), 0o644); err != nil { //nolint:gosec // a public key
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), pub)
		return nil
	}
	return cmd
}

func pubkeyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pubkey",
		Short: "Print the public key of a signing key (the value SWITCHYARD_TRUSTED_KEYS takes)",
		Args:  cobra.NoArgs,
	}
	keyFile := cmd.Flags().String("key", "", "the private key file (required)")
	_ = cmd.MarkFlagRequired("key")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		key, err := marketplace.LoadKeyFile(*keyFile)
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), marketplace.EncodePublicKey(key.Public().(ed25519.PublicKey)))
		return nil
	}
	return cmd
}

func packCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pack",
		Short: "Copy a plugin binary into a catalog directory and list its release (unsigned)",
		Long: `pack reads the plugin's manifest by starting the binary (or from --manifest,
for a binary built for another platform), copies it to
<catalog>/<name>/<version>/<os>-<arch>/<name> and adds or replaces its
release and platform entry in catalog.json. Sign the catalog afterwards.`,
		Args: cobra.NoArgs,
	}
	dir := cmd.Flags().String("catalog", "", "the catalog directory (required; created if missing)")
	bin := cmd.Flags().String("binary", "", "the plugin binary (required)")
	goos := cmd.Flags().String("os", "", "the binary's GOOS (default: this machine's)")
	goarch := cmd.Flags().String("arch", "", "the binary's GOARCH (default: this machine's)")
	manifest := cmd.Flags().String("manifest", "", "a JSON file with the plugin's manifest, instead of running the binary")
	_ = cmd.MarkFlagRequired("catalog")
	_ = cmd.MarkFlagRequired("binary")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		opts := marketplace.PackOptions{OS: *goos, Arch: *goarch}
		if *manifest != "" {
			raw, err := os.ReadFile(*manifest)
			if err != nil {
				return err
			}
			var m grpcplugin.Manifest
			if err := json.Unmarshal(raw, &m); err != nil {
				return fmt.Errorf("%s: %w", *manifest, err)
			}
			opts.Manifest = &m
		}
		rel, err := marketplace.Pack(cmd.Context(), *dir, *bin, opts)
		if err != nil {
			return err
		}
		for _, p := range rel.Platforms {
			fmt.Fprintf(cmd.OutOrStdout(), "packed %s %s %s sha256:%s (unsigned)\n", rel.Name, rel.Version, p.Name(), p.SHA256)
		}
		return nil
	}
	return cmd
}

func signCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sign",
		Short: "Sign a catalog's releases (all, or one plugin or version) after checking their binaries' SHA-256",
		Args:  cobra.NoArgs,
	}
	dir := cmd.Flags().String("catalog", "", "the catalog directory (required)")
	keyFile := cmd.Flags().String("key", "", "the signing key (required)")
	name := cmd.Flags().String("name", "", "only this plugin")
	version := cmd.Flags().String("version", "", "only this version")
	_ = cmd.MarkFlagRequired("catalog")
	_ = cmd.MarkFlagRequired("key")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		key, err := marketplace.LoadKeyFile(*keyFile)
		if err != nil {
			return err
		}
		n, err := marketplace.SignCatalogDir(*dir, key, func(r *marketplace.Release) bool {
			return (*name == "" || r.Name == *name) && (*version == "" || r.Version == *version)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "signed %d platform entries with %s\n", n, marketplace.EncodePublicKey(key.Public().(ed25519.PublicKey)))
		return nil
	}
	return cmd
}

func verifyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check every release of a catalog: a trusted signature and a binary matching its SHA-256",
		Long: `verify trusts the keys given with --trusted-key, those of --key, and
SWITCHYARD_TRUSTED_KEYS. A catalog URL is fetched through the outbound
policy (SWITCHYARD_OUTBOUND_ALLOW). It exits non-zero if anything fails.`,
		Args: cobra.NoArgs,
	}
	loc := cmd.Flags().String("catalog", "", "the catalog directory or http(s) URL (required)")
	trusted := cmd.Flags().StringSlice("trusted-key", nil, "a trusted public key (repeatable)")
	keyFile := cmd.Flags().String("key", "", "also trust this private key's public key")
	_ = cmd.MarkFlagRequired("catalog")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		list := append([]string{}, *trusted...)
		list = append(list, strings.Split(os.Getenv("SWITCHYARD_TRUSTED_KEYS"), ",")...)
		keys, err := marketplace.ParsePublicKeys(list)
		if err != nil {
			return err
		}
		if *keyFile != "" {
			k, err := marketplace.LoadKeyFile(*keyFile)
			if err != nil {
				return err
			}
			keys = append(keys, k.Public().(ed25519.PublicKey))
		}
		if len(keys) == 0 {
			return errors.New("no trusted keys: pass --trusted-key, --key or set SWITCHYARD_TRUSTED_KEYS")
		}
		policy, err := outbound.FromEnv()
		if err != nil {
			return err
		}
		results, err := marketplace.VerifyCatalog(cmd.Context(), *loc, marketplace.NewKeyring(keys...), policy)
		if err != nil {
			return err
		}
		failed := 0
		for _, r := range results {
			if r.Err != nil {
				failed++
				fmt.Fprintf(cmd.OutOrStdout(), "FAIL %s %s %s: %v\n", r.Name, r.Version, r.Platform, r.Err)
				continue
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ok   %s %s %s\n", r.Name, r.Version, r.Platform)
		}
		if failed > 0 {
			return fmt.Errorf("%d of %d releases failed verification", failed, len(results))
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%d releases verified\n", len(results))
		return nil
	}
	return cmd
}
