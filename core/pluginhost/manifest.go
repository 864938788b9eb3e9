package pluginhost

import (
	"encoding/json"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// Plugin is a plugin's manifest as a running process reported it, checked
// and with its schemas compiled. It is immutable.
type Plugin struct {
	manifest grpcplugin.Manifest
	config   *jsonschema.Schema
	inputs   map[string]*jsonschema.Schema
	actions  map[string]grpcplugin.Action
	events   map[string]bool
}

// NewPlugin checks m (grpcplugin.CompileManifest) and compiles its schemas.
func NewPlugin(m grpcplugin.Manifest) (*Plugin, error) {
	if _, err := grpcplugin.CompileManifest(m); err != nil {
		return nil, err
	}
	p := &Plugin{manifest: m, inputs: map[string]*jsonschema.Schema{}, actions: map[string]grpcplugin.Action{}, events: map[string]bool{}}
	var err error
	if p.config, err = compileSchema(m.ConfigSchema); err != nil {
		return nil, fmt.Errorf("config_schema: %w", err)
	}
	for _, a := range m.Actions {
		s, err := compileSchema(a.Input)
		if err != nil {
			return nil, fmt.Errorf("action %q input_schema: %w", a.Name, err)
		}
		p.inputs[a.Name] = s
		p.actions[a.Name] = a
	}
	for _, t := range m.EventTypes {
		p.events[t] = true
	}
	return p, nil
}

// Manifest returns the manifest.
func (p *Plugin) Manifest() grpcplugin.Manifest { return p.manifest }

// Action returns the action called name.
func (p *Plugin) Action(name string) (grpcplugin.Action, bool) {
	a, ok := p.actions[name]
	return a, ok
}

// DeclaresEvent reports whether the plugin may emit events of type t.
func (p *Plugin) DeclaresEvent(t string) bool { return p.events[t] }

// ValidateConfig checks a tenant config against the config schema; the
// error is a *FieldError under "config".
func (p *Plugin) ValidateConfig(config json.RawMessage) error {
	return validateDoc(p.config, "config", config)
}

// ValidateInput checks an action's input; the error is a *FieldError under
// "input", or ErrUnknownAction.
func (p *Plugin) ValidateInput(action string, input json.RawMessage) error {
	if _, ok := p.actions[action]; !ok {
		return errorf(ErrUnknownAction, "plugin %s has no action %q", p.manifest.Name, action)
	}
	return validateDoc(p.inputs[action], "input", input)
}

// DefaultJobPermission is what a job action needs when its manifest names
// no permission; synchronous actions default to grpcplugin.DefaultPermission
// (plugins:invoke).
const DefaultJobPermission = "jobs:run"

// ActionPermission is the permission the core requires to run a: the one
// the manifest names, else jobs:run for a job and plugins:invoke for a
// synchronous action.
func ActionPermission(a grpcplugin.Action) string {
	switch {
	case a.Permission != "":
		return a.Permission
	case a.Job:
		return DefaultJobPermission
	}
	return grpcplugin.DefaultPermission
}

// ValidateJSON checks doc against the JSON Schema schema (nil: any JSON);
// the error is a *FieldError under root. The marketplace uses it with a
// catalog's config schema before a plugin first ran.
func ValidateJSON(schema json.RawMessage, root string, doc []byte) error {
	s, err := compileSchema(schema)
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	return validateDoc(s, root, doc)
}
