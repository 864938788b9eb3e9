package grpcplugin

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc"
)

// Flow-control windows of every Switchyard gRPC connection. Fixed windows
// (instead of gRPC's dynamic ones, which grow to many MiB) bound what one
// stream keeps in flight, so a streamed HTTP body costs at most about one
// window of memory on each side, whatever its size.
const (
	StreamWindowSize = 1 << 20
	ConnWindowSize   = 8 << 20
)

// DialOptions returns the options every Switchyard gRPC client uses: the
// fixed flow-control windows. ClientConfig sets them for the core's
// connection to a plugin; the plugin side uses them to dial the host.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithInitialWindowSize(StreamWindowSize),
		grpc.WithInitialConnWindowSize(ConnWindowSize),
	}
}

// ServerOptions returns the options every Switchyard gRPC server uses, on
// both sides of the boundary: message size limits, the fixed flow-control
// windows and interceptors that turn
// a panicking handler into an Internal error (logged with its stack) instead
// of ending the process.
func ServerOptions(logger hclog.Logger) []grpc.ServerOption {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(MaxMessageSize),
		grpc.MaxSendMsgSize(MaxMessageSize),
		grpc.InitialWindowSize(StreamWindowSize),
		grpc.InitialConnWindowSize(ConnWindowSize),
		grpc.ChainUnaryInterceptor(recoverUnary(logger)),
		grpc.ChainStreamInterceptor(recoverStream(logger)),
	}
}

func recoverUnary(logger hclog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = panicError(logger, info.FullMethod, r)
				resp = nil
			}
		}()
		return handler(ctx, req)
	}
}

func recoverStream(logger hclog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = panicError(logger, info.FullMethod, r)
			}
		}()
		return handler(srv, ss)
	}
}

func panicError(logger hclog.Logger, method string, r any) error {
	logger.Error("recovered from panic in gRPC handler", "method", method, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	return ToStatus(NewError(CodeInternal, fmt.Sprintf("%s: panic: %v", method, r)))
}
