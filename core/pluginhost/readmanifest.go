package pluginhost

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// ReadManifest starts the plugin binary at path with no host service (its
// calls back are refused), reads and checks its manifest, and stops it.
// Publishers use it (switchyard plugin pack) to describe a release.
func ReadManifest(ctx context.Context, path string) (grpcplugin.Manifest, error) {
	path, err := filepath.Abs(path)
	if err != nil {
		return grpcplugin.Manifest{}, err
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return grpcplugin.Manifest{}, err
	}
	dir, err := os.MkdirTemp("", "switchyard-manifest-")
	if err != nil {
		return grpcplugin.Manifest{}, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	cmd := exec.CommandContext(ctx, path) //nolint:gosec // the publisher names their own binary
	cmd.Env = []string{"HOME=" + dir, "TMPDIR=" + dir, "SWITCHYARD_PLUGIN_DATA_DIR=" + dir, "SWITCHYARD_FILES_DIR=" + dir}
	cmd.Dir = dir
	cmd.SysProcAttr = sysProcAttr()
	cfg := grpcplugin.ClientConfig(cmd, noHost{}, hclog.NewNullLogger())
	cfg.SecureConfig = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	cfg.StartTimeout = 30 * time.Second
	pc := plugin.NewClient(cfg)
	defer func() {
		pc.Kill()
		if rc := pc.ReattachConfig(); rc != nil {
			killGroup(rc.Pid)
		}
	}()
	client, err := grpcplugin.Connect(pc)
	if err != nil {
		return grpcplugin.Manifest{}, fmt.Errorf("start %s: %w", path, err)
	}
	m, err := client.Manifest(ctx)
	if err != nil {
		return grpcplugin.Manifest{}, fmt.Errorf("manifest of %s: %w", path, err)
	}
	if _, err := grpcplugin.CompileManifest(m); err != nil {
		return grpcplugin.Manifest{}, fmt.Errorf("manifest of %s: %w", path, err)
	}
	return m, nil
}

// fileSHA256 hashes the file at path.
func fileSHA256(path string) ([]byte, error) {
	f, err := os.Open(path) //nolint:gosec // a binary the caller named
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
