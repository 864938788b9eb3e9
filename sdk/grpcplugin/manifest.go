package grpcplugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// DefaultPermission is the permission an action needs when its manifest
// names none.
const DefaultPermission = "plugins:invoke"

// Manifest describes a plugin: what it is, what it can do for a tenant, which
// events it may emit and how a tenant configures it. The core reads it once
// per process start; the sdk validates it when the plugin starts.
type Manifest struct {
	// Name identifies the plugin: ^[a-z][a-z0-9-]{1,62}$.
	Name string `json:"name"`
	// Version is a semantic version without a leading "v", e.g. "1.4.0".
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
	Publisher   string `json:"publisher,omitempty"`
	// Actions lists what the plugin can do. Names are unique.
	Actions []Action `json:"actions,omitempty"`
	// EventTypes lists every event type the plugin may emit, such as
	// "sync.update" or "notification". The core drops any other.
	EventTypes []string `json:"event_types,omitempty"`
	// ConfigSchema is the JSON Schema of the per-tenant config; nil accepts
	// any JSON value.
	ConfigSchema json.RawMessage `json:"config_schema,omitempty"`
	// HTTP is true when the plugin serves HTTP routes below
	// /api/v1/orgs/{org}/plugins/{name}/http/.
	HTTP bool `json:"http,omitempty"`
}

// Action is one thing a plugin can do for a tenant: a synchronous call
// (Invoke) or, with Job set, a background job (StartJob).
type Action struct {
	// Name is ^[a-z][a-z0-9_-]{0,62}$; it appears in the action's URL.
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Input and Output are JSON Schemas; nil accepts any JSON value.
	Input  json.RawMessage `json:"input_schema,omitempty"`
	Output json.RawMessage `json:"output_schema,omitempty"`
	// Permission is what the actor needs, "resource:verb" such as
	// "plugins:invoke" (the default when empty) or a custom one the core maps
	// to roles.
	Permission string `json:"permission,omitempty"`
	// Job makes the action a job kind: the core starts it with StartJob and
	// follows its progress.
	Job bool `json:"job,omitempty"`
}

// Limits of the manifest and of the host API. Hosts may apply lower ones.
const (
	MaxDescriptionLen = 1024
	MaxActions        = 256
	MaxEventTypes     = 256
	MaxSchemaSize     = 256 << 10
	MaxEventTypeLen   = 128
)

var (
	pluginNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,62}$`)
	actionNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
	permissionRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}:[a-z][a-z0-9_.-]{0,62}$`)
	// semverRE is the regular expression of semver.org, without a leading "v".
	semverRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
		`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
		`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
)

// ValidPluginName reports whether name is a valid plugin name.
func ValidPluginName(name string) bool { return pluginNameRE.MatchString(name) }

// ValidEventType checks an event type: dotted lower-case segments such as
// "sync.update" or "notification", at most MaxEventTypeLen bytes, outside
// the reserved "plugin." and "custom." namespaces.
func ValidEventType(t string) error {
	if len(t) > MaxEventTypeLen || !eventTypeGrammar(t) {
		return fmt.Errorf("event type %q: want dotted lower-case segments such as \"sync.update\" (at most %d bytes)", t, MaxEventTypeLen)
	}
	// "plugin." events are the core's own reports about plugins and
	// "custom." events belong to an organization's own backend.
	for _, p := range [...]string{"plugin.", "custom."} {
		if strings.HasPrefix(t, p) {
			return fmt.Errorf("event type %q: the %q namespace is reserved", t, p)
		}
	}
	return nil
}

// ValidateTenant checks that t names a tenant: a non-empty id and a valid slug.
func ValidateTenant(t Tenant) error {
	if t.ID == "" || len(t.ID) > 128 || !utf8.ValidString(t.ID) {
		return fmt.Errorf("%w: tenant id must be 1-128 bytes of UTF-8", ErrInvalidInput)
	}
	if !tenantSlugGrammar(t.Slug) {
		return fmt.Errorf("%w: tenant slug %q does not match ^[a-z0-9][a-z0-9-]{1,62}$", ErrInvalidInput, t.Slug)
	}
	return nil
}

// eventTypeGrammar reports whether t matches
// ^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$ (checked per emitted event, so
// without a regular expression).
func eventTypeGrammar(t string) bool {
	segStart := true
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'a' && c <= 'z':
		case (c >= '0' && c <= '9') || c == '_':
			if segStart {
				return false
			}
		case c == '.':
			if segStart {
				return false
			}
			segStart = true
			continue
		default:
			return false
		}
		segStart = false
	}
	return len(t) > 0 && !segStart
}

// tenantSlugGrammar reports whether s matches ^[a-z0-9][a-z0-9-]{1,62}$.
func tenantSlugGrammar(s string) bool {
	if len(s) < 2 || len(s) > 63 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// Validate checks the manifest and compiles its schemas. The error lists
// every problem found, one per line.
func (m Manifest) Validate() error {
	_, err := CompileManifest(m)
	return err
}

// Action returns the action called name.
func (m Manifest) Action(name string) (Action, bool) {
	for _, a := range m.Actions {
		if a.Name == name {
			return a, true
		}
	}
	return Action{}, false
}

// DeclaresEvent reports whether the manifest declares event type t.
func (m Manifest) DeclaresEvent(t string) bool {
	for _, e := range m.EventTypes {
		if e == t {
			return true
		}
	}
	return false
}

// EffectivePermission returns the action's permission, DefaultPermission
// when none is set.
func (a Action) EffectivePermission() string {
	if a.Permission == "" {
		return DefaultPermission
	}
	return a.Permission
}

// CompiledManifest is a validated manifest with its JSON Schemas compiled.
// It is immutable and safe for concurrent use.
type CompiledManifest struct {
	manifest Manifest
	config   *jsonschema.Schema
	inputs   map[string]*jsonschema.Schema
	outputs  map[string]*jsonschema.Schema
}

// CompileManifest validates m and compiles its schemas. Schemas may not load
// anything from outside themselves ($ref to a file or URL is refused).
func CompileManifest(m Manifest) (*CompiledManifest, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	if !pluginNameRE.MatchString(m.Name) {
		bad("name %q: want ^[a-z][a-z0-9-]{1,62}$", m.Name)
	}
	if !semverRE.MatchString(m.Version) {
		bad("version %q: want a semantic version such as 1.2.3 (no leading v)", m.Version)
	}
	if len(m.Description) > MaxDescriptionLen || !utf8.ValidString(m.Description) {
		bad("description: want at most %d bytes of UTF-8", MaxDescriptionLen)
	}
	if len(m.Publisher) > 256 || !utf8.ValidString(m.Publisher) {
		bad("publisher: want at most 256 bytes of UTF-8")
	}
	cm := &CompiledManifest{
		manifest: m,
		inputs:   make(map[string]*jsonschema.Schema, len(m.Actions)),
		outputs:  make(map[string]*jsonschema.Schema, len(m.Actions)),
	}
	var err error
	if cm.config, err = compileSchema("config_schema", m.ConfigSchema); err != nil {
		bad("%v", err)
	}
	if len(m.Actions) > MaxActions {
		bad("actions: %d declared, at most %d", len(m.Actions), MaxActions)
	}
	seen := make(map[string]bool, len(m.Actions))
	for i, a := range m.Actions {
		where := fmt.Sprintf("actions[%d] %q", i, a.Name)
		if !actionNameRE.MatchString(a.Name) {
			bad("%s: name wants ^[a-z][a-z0-9_-]{0,62}$", where)
		}
		if seen[a.Name] {
			bad("%s: declared twice", where)
		}
		seen[a.Name] = true
		if len(a.Description) > MaxDescriptionLen || !utf8.ValidString(a.Description) {
			bad("%s: description wants at most %d bytes of UTF-8", where, MaxDescriptionLen)
		}
		if a.Permission != "" && !permissionRE.MatchString(a.Permission) {
			bad("%s: permission %q wants \"resource:verb\" such as %q", where, a.Permission, DefaultPermission)
		}
		s, err := compileSchema(where+" input_schema", a.Input)
		if err != nil {
			bad("%v", err)
		}
		cm.inputs[a.Name] = s
		if s, err = compileSchema(where+" output_schema", a.Output); err != nil {
			bad("%v", err)
		}
		cm.outputs[a.Name] = s
	}
	if len(m.EventTypes) > MaxEventTypes {
		bad("event_types: %d declared, at most %d", len(m.EventTypes), MaxEventTypes)
	}
	seenEv := make(map[string]bool, len(m.EventTypes))
	for _, t := range m.EventTypes {
		if err := ValidEventType(t); err != nil {
			bad("event_types: %v", err)
		}
		if seenEv[t] {
			bad("event_types: %q declared twice", t)
		}
		seenEv[t] = true
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: manifest: %w", ErrInvalidInput, errors.Join(errs...))
	}
	return cm, nil
}

// Manifest returns the manifest cm was compiled from.
func (cm *CompiledManifest) Manifest() Manifest { return cm.manifest }

// ValidateConfig checks a tenant config against the config schema.
func (cm *CompiledManifest) ValidateConfig(config []byte) error {
	return validateJSON("config", cm.config, config)
}

// ValidateInput checks an action's input against its input schema. An
// unknown action is ErrNotFound.
func (cm *CompiledManifest) ValidateInput(action string, input []byte) error {
	s, ok := cm.inputs[action]
	if !ok {
		return fmt.Errorf("action %q: %w", action, ErrNotFound)
	}
	return validateJSON("input", s, input)
}

// ValidateOutput checks an action's output against its output schema.
func (cm *CompiledManifest) ValidateOutput(action string, output []byte) error {
	s, ok := cm.outputs[action]
	if !ok {
		return fmt.Errorf("action %q: %w", action, ErrNotFound)
	}
	return validateJSON("output", s, output)
}

// compileSchema compiles one JSON Schema (draft 2020-12 unless it says
// otherwise). An empty schema compiles to nil, which accepts anything.
func compileSchema(where string, raw json.RawMessage) (*jsonschema.Schema, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	if len(raw) > MaxSchemaSize {
		return nil, fmt.Errorf("%s: %d bytes, at most %d", where, len(raw), MaxSchemaSize)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: not JSON: %w", where, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	// No loader for any scheme: a schema cannot read files or fetch URLs.
	c.UseLoader(jsonschema.SchemeURLLoader{})
	const loc = "urn:switchyard:schema"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	s, err := c.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return s, nil
}

func validateJSON(what string, s *jsonschema.Schema, doc []byte) error {
	if len(bytes.TrimSpace(doc)) == 0 {
		doc = []byte("null")
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("%w: %s is not valid JSON: %w", ErrInvalidInput, what, err)
	}
	if s == nil {
		return nil
	}
	if err := s.Validate(v); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("%w: %s does not match its schema: %s", ErrInvalidInput, what, strings.TrimSpace(ve.Error()))
		}
		return fmt.Errorf("%w: %s: %w", ErrInvalidInput, what, err)
	}
	return nil
}
