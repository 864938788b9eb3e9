package sdk

import (
	"errors"
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// Serve serves p to the Switchyard core until the core stops the process.
// Call it from main:
//
//	func main() {
//		if err := sdk.Serve(&myPlugin{}); err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//	}
//
// It returns an error without serving when p's manifest or capabilities are
// invalid (see NewServer), so a mistake shows the first time the binary
// runs, and when the binary was not started by the core.
func Serve(p Plugin) error { return ServeWith(p, ServeOpts{}) }

// ServeWith is Serve with options.
func ServeWith(p Plugin, opts ServeOpts) error {
	srv, err := NewServer(p, opts)
	if err != nil {
		return err
	}
	if os.Getenv(grpcplugin.MagicCookieKey) != grpcplugin.MagicCookieValue {
		return errors.New("sdk: the manifest is valid, but this binary is a Switchyard plugin: " +
			"the Switchyard core starts it (install it from the marketplace or place it in SWITCHYARD_PLUGIN_DIR); " +
			"to test it without the core, use the sdk/sdktest package")
	}
	logger := hclog.New(&hclog.LoggerOptions{
		Name:       p.Manifest().Name,
		Output:     os.Stderr,
		JSONFormat: true,
		Level:      hclog.Info,
	})
	plugin.Serve(grpcplugin.ServeConfig(srv, logger))
	return nil
}
