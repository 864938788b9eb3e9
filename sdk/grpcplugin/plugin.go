package grpcplugin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/switchyard/switchyard/sdk/genproto/pluginv1"
)

// InitTimeout bounds the Init call that hands a new plugin process its host
// service.
const InitTimeout = 10 * time.Second

// GRPCPlugin is the go-plugin plugin.GRPCPlugin of Switchyard. In a plugin
// process Impl is set and GRPCServer registers the Plugin service; in the
// core Host is set and GRPCClient serves Host through the broker and returns
// a *Client. Use ServeConfig and ClientConfig rather than building one.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin

	// Impl is the plugin side's implementation (plugin process only).
	Impl PluginServer
	// Host is the core's host API (core only).
	Host HostServer
	// Logger receives recovered panics and broker errors; nil discards them.
	Logger hclog.Logger
}

var _ plugin.GRPCPlugin = (*GRPCPlugin)(nil)

func (p *GRPCPlugin) logger() hclog.Logger {
	if p.Logger == nil {
		return hclog.NewNullLogger()
	}
	return p.Logger
}

// GRPCServer implements plugin.GRPCPlugin: it registers the Plugin service.
func (p *GRPCPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	if p.Impl == nil {
		return errors.New("grpcplugin: GRPCPlugin.Impl is nil in the plugin process")
	}
	pluginv1.RegisterPluginServer(s, &pluginService{impl: p.Impl, dialer: broker})
	return nil
}

// GRPCClient implements plugin.GRPCPlugin: it serves Host on a new broker id,
// calls the plugin's Init with that id and returns a *Client.
func (p *GRPCPlugin) GRPCClient(ctx context.Context, broker *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	if p.Host == nil {
		return nil, errors.New("grpcplugin: GRPCPlugin.Host is nil in the core")
	}
	id := broker.NextId()
	logger := p.logger()
	go broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		s := grpc.NewServer(append(opts, ServerOptions(logger)...)...)
		pluginv1.RegisterHostServer(s, &hostService{impl: p.Host})
		return s
	})
	c := NewClient(conn)
	initCtx, cancel := context.WithTimeout(ctx, InitTimeout)
	defer cancel()
	if err := c.init(initCtx, id); err != nil {
		return nil, fmt.Errorf("grpcplugin: init plugin: %w", err)
	}
	return c, nil
}

// brokerDialer is the part of go-plugin's GRPCBroker the plugin side uses to
// reach the host service.
type brokerDialer interface {
	DialWithOptions(id uint32, opts ...grpc.DialOption) (*grpc.ClientConn, error)
}
