// Command loadgen measures Switchyard from outside, as a separate process
// on loopback, the way `make bench` runs it. Every run is bounded in count
// and time.
//
//	loadgen members   authenticated GET /api/v1/orgs/{org}/members with
//	                  10,000 organizations × 5 members in the policy store
//	loadgen fanout    WebSocket subscribers across organizations, events
//	                  through the publish API or (-via plugin) from a
//	                  plugin process: delivery rate, latency, losses,
//	                  isolation, server memory and CPU
//
// Started by the core as a plugin (the handshake cookie set), loadgen
// serves its load plugin instead (plugin.go).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/switchyard/switchyard/sdk"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

func main() {
	if os.Getenv(grpcplugin.MagicCookieKey) != "" {
		if err := sdk.Serve(&loadPlugin{}); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen plugin:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "members":
		err = runMembers(ctx, os.Args[2:])
	case "fanout":
		err = runFanout(ctx, os.Args[2:])
	case "bare":
		err = runBare(ctx, os.Args[2:])
	case "bare-serve": // the bare server `bare` starts
		err = runBareServe(ctx, os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: loadgen members|fanout|bare [flags]")
	flag.PrintDefaults()
	os.Exit(2)
}
