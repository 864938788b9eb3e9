// Package grpcplugin is the wire between the Switchyard core and its plugins:
// the go-plugin handshake, the gRPC adapters of both sides, the Go types of
// the contract, its error codes and its validation rules. The core imports it
// to run plugins; the sdk imports it to serve one. Protobuf types stay inside
// this package: both sides work with the Go types declared here.
//
// # Handshake and versions
//
// MagicCookieKey/MagicCookieValue never change. ProtocolVersion names the
// version of the contract; ServeConfig and ClientConfig register one plugin
// set per version in SupportedVersions (go-plugin VersionedPlugins), so a
// plugin and a core that share no version fail at start with an error
// naming the versions each side speaks.
//
// # The core's side
//
// The core builds a go-plugin client with ClientConfig (adding SecureConfig
// with the binary's SHA-256, StartTimeout, and an allow-listed cmd.Env),
// then calls Connect, which starts the process, serves the core's HostServer
// to it through go-plugin's gRPC broker, calls the plugin's Init and returns
// a *Client:
//
//	cfg := grpcplugin.ClientConfig(exec.Command(path), host, logger)
//	cfg.SecureConfig = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
//	cfg.StartTimeout = 10 * time.Second
//	pc := plugin.NewClient(cfg)
//	client, err := grpcplugin.Connect(pc)
//
// # The plugin's side
//
// A plugin process implements PluginServer (the sdk does, over an author's
// sdk.Plugin) and calls plugin.Serve(grpcplugin.ServeConfig(impl, logger)).
// It reaches the core through a HostClient, which it receives in Init.
//
// # Errors
//
// Errors cross the boundary as gRPC statuses carrying a Code and a Source
// (ToStatus, FromStatus). Every Code has a sentinel error (ErrNotFound, ...)
// for errors.Is, a gRPC code and the HTTP status the core answers with
// (Code.HTTPStatus). Both gRPC servers recover panics in handlers and answer
// CodeInternal, so a bug in one call never ends the process.
//
// # Concurrency
//
// Client, HostClient, CompiledManifest and the functions of this package are
// safe for concurrent use. Implementations of HostServer and PluginServer
// must be: gRPC calls them from many goroutines. The types of the contract
// (Manifest, Event, ...) are plain values.
package grpcplugin
