package grpcplugin

import (
	"fmt"
	"os/exec"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// The handshake between the core and a plugin binary. The magic cookie only
// tells a binary that it was started by the Switchyard core (it is not a
// secret and never changes). ProtocolVersion names the version of the
// Plugin/Host contract; it is raised only for a change that breaks one side,
// and each side lists the versions it speaks, so an incompatible pair fails
// at start with both lists in the error.
const (
	MagicCookieKey   = "SWITCHYARD_PLUGIN_MAGIC_COOKIE"
	MagicCookieValue = "b6f0c1e2-switchyard-plugin-4d8a9e37"

	// ProtocolVersion is the newest version of the contract this build speaks.
	ProtocolVersion = 1

	// PluginName is the key of the plugin in go-plugin's plugin set.
	PluginName = "switchyard"
)

// SupportedVersions returns the protocol versions this build speaks, newest
// first.
func SupportedVersions() []int { return []int{ProtocolVersion} }

// HandshakeConfig returns go-plugin's handshake for Switchyard plugins.
func HandshakeConfig() plugin.HandshakeConfig {
	return plugin.HandshakeConfig{
		ProtocolVersion:  ProtocolVersion,
		MagicCookieKey:   MagicCookieKey,
		MagicCookieValue: MagicCookieValue,
	}
}

func versionedPlugins(versions []int, p *GRPCPlugin) map[int]plugin.PluginSet {
	sets := make(map[int]plugin.PluginSet, len(versions))
	for _, v := range versions {
		sets[v] = plugin.PluginSet{PluginName: p}
	}
	return sets
}

// ServeConfig returns the go-plugin ServeConfig that serves impl in a plugin
// process: the handshake, one plugin set per supported protocol version and
// a gRPC server with ServerOptions. sdk.Serve uses it; pass the result to
// plugin.Serve.
func ServeConfig(impl PluginServer, logger hclog.Logger) *plugin.ServeConfig {
	return serveConfig(impl, logger, SupportedVersions())
}

func serveConfig(impl PluginServer, logger hclog.Logger, versions []int) *plugin.ServeConfig {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &plugin.ServeConfig{
		HandshakeConfig:  HandshakeConfig(),
		VersionedPlugins: versionedPlugins(versions, &GRPCPlugin{Impl: impl, Logger: logger}),
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, ServerOptions(logger)...)...)
		},
		Logger: logger,
	}
}

// HostPluginSets returns the VersionedPlugins of a core's plugin.ClientConfig:
// every supported protocol version maps to a GRPCPlugin that serves host to
// the plugin.
func HostPluginSets(host HostServer, logger hclog.Logger) map[int]plugin.PluginSet {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return versionedPlugins(SupportedVersions(), &GRPCPlugin{Host: host, Logger: logger})
}

// ClientConfig returns a plugin.ClientConfig that starts cmd as a Switchyard
// plugin and serves host to it: handshake, versioned plugin sets, gRPC only,
// AutoMTLS, and SkipHostEnv (the plugin sees only cmd.Env). The core adds
// what only it knows: SecureConfig (the binary's SHA-256), StartTimeout,
// SyncStdout/SyncStderr. Start the plugin with Connect.
func ClientConfig(cmd *exec.Cmd, host HostServer, logger hclog.Logger) *plugin.ClientConfig {
	return clientConfig(cmd, host, logger, SupportedVersions())
}

func clientConfig(cmd *exec.Cmd, host HostServer, logger hclog.Logger, versions []int) *plugin.ClientConfig {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &plugin.ClientConfig{
		HandshakeConfig:  HandshakeConfig(),
		VersionedPlugins: versionedPlugins(versions, &GRPCPlugin{Host: host, Logger: logger}),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		SkipHostEnv:      true,
		GRPCDialOptions:  DialOptions(),
		Logger:           logger,
	}
}

// Connect starts (or attaches to) the plugin process of c, negotiates the
// protocol version, hands the plugin its host service and returns the typed
// client. On a version mismatch the error names the versions both sides
// speak. Call it once per process (the plugin accepts one Init). On any
// error the caller still owns c and should Kill it.
func Connect(c *plugin.Client) (*Client, error) {
	return connect(c, SupportedVersions())
}

func connect(c *plugin.Client, hostVersions []int) (*Client, error) {
	rpc, err := c.Client()
	if err != nil {
		return nil, fmt.Errorf("grpcplugin: start plugin (this host speaks Switchyard plugin protocol versions %v): %w", hostVersions, err)
	}
	raw, err := rpc.Dispense(PluginName)
	if err != nil {
		return nil, fmt.Errorf("grpcplugin: connect plugin (negotiated protocol version %d): %w", c.NegotiatedVersion(), err)
	}
	cl, ok := raw.(*Client)
	if !ok {
		return nil, fmt.Errorf("grpcplugin: plugin set dispensed %T, want *grpcplugin.Client", raw)
	}
	return cl, nil
}
