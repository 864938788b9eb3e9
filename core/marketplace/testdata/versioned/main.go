// Command versioned is a test plugin whose version is set at build time
// (-ldflags "-X main.version=1.1.0"), for upgrade and downgrade tests.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/switchyard/switchyard/sdk"
)

var version = "1.0.0"

type versioned struct{}

func (versioned) Manifest() sdk.Manifest {
	return sdk.Manifest{
		Name: "versioned", Version: version, Description: "Reports its version.", Publisher: "Switchyard tests",
		Actions:      []sdk.Action{{Name: "version", Input: json.RawMessage(`{"type":"object"}`)}},
		EventTypes:   []string{"notification"},
		ConfigSchema: json.RawMessage(`{"type":"object","properties":{"label":{"type":"string","maxLength":20}},"additionalProperties":false}`),
	}
}

func (versioned) Configure(context.Context, sdk.Tenant, json.RawMessage) error { return nil }

func (versioned) Invoke(_ context.Context, req sdk.Request) (json.RawMessage, error) {
	return json.Marshal(map[string]any{"version": version, "config": req.Config})
}

func main() {
	if err := sdk.Serve(versioned{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
