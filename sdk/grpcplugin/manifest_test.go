package grpcplugin

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func validManifest() Manifest {
	return Manifest{
		Name:    "sync",
		Version: "1.2.3",
		Actions: []Action{
			{Name: "run", Input: json.RawMessage(`{"type":"object","required":["source"]}`), Job: true},
			{Name: "status", Permission: "sync:read"},
		},
		EventTypes:   []string{"sync.update", "notification"},
		ConfigSchema: json.RawMessage(`{"type":"object"}`),
	}
}

func TestManifestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(m *Manifest)
		wantErr string // empty: valid
	}{
		{"valid", func(*Manifest) {}, ""},
		{"prerelease and build version", func(m *Manifest) { m.Version = "2.0.0-rc.1+build.5" }, ""},
		{"name too short", func(m *Manifest) { m.Name = "s" }, "name"},
		{"name uppercase", func(m *Manifest) { m.Name = "Sync" }, "name"},
		{"name starts with digit", func(m *Manifest) { m.Name = "1sync" }, "name"},
		{"name too long", func(m *Manifest) { m.Name = "a" + strings.Repeat("b", 63) }, "name"},
		{"version with v", func(m *Manifest) { m.Version = "v1.2.3" }, "version"},
		{"version two parts", func(m *Manifest) { m.Version = "1.2" }, "version"},
		{"version leading zero", func(m *Manifest) { m.Version = "01.2.3" }, "version"},
		{"duplicate action", func(m *Manifest) { m.Actions = append(m.Actions, Action{Name: "run"}) }, "declared twice"},
		{"bad action name", func(m *Manifest) { m.Actions[0].Name = "Run Now" }, "name wants"},
		{"bad permission", func(m *Manifest) { m.Actions[1].Permission = "everything" }, "permission"},
		{"schema not JSON", func(m *Manifest) { m.Actions[0].Input = json.RawMessage(`{"type":`) }, "not JSON"},
		{"schema invalid", func(m *Manifest) { m.Actions[0].Input = json.RawMessage(`{"type":"banana"}`) }, "input_schema"},
		{"schema reads a file", func(m *Manifest) { m.ConfigSchema = json.RawMessage(`{"$ref":"file:///etc/passwd"}`) }, "config_schema"},
		{"schema fetches a URL", func(m *Manifest) { m.Actions[1].Output = json.RawMessage(`{"$ref":"https://example.com/s.json"}`) }, "output_schema"},
		{"event type not dotted lower-case", func(m *Manifest) { m.EventTypes = []string{"Sync.Update"} }, "event type"},
		{"event type wildcard", func(m *Manifest) { m.EventTypes = []string{"sync.*"} }, "event type"},
		{"event type empty segment", func(m *Manifest) { m.EventTypes = []string{"sync..update"} }, "event type"},
		{"event type reserved", func(m *Manifest) { m.EventTypes = []string{"plugin.status"} }, "reserved"},
		{"event type duplicate", func(m *Manifest) { m.EventTypes = []string{"alert", "alert"} }, "declared twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := validManifest()
			tc.mutate(&m)
			err := m.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want an error mentioning %q", tc.wantErr)
			}
			if !errors.Is(err, ErrInvalidInput) {
				t.Errorf("error is not ErrInvalidInput: %v", err)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not mention %q", err, tc.wantErr)
			}
		})
	}
}

func TestManifestListsEveryProblem(t *testing.T) {
	m := Manifest{Name: "X", Version: "one", EventTypes: []string{"Bad"}}
	err := m.Validate()
	if err == nil {
		t.Fatal("want error")
	}
	for _, want := range []string{"name", "version", "event type"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestCompiledManifestValidation(t *testing.T) {
	cm, err := CompileManifest(validManifest())
	if err != nil {
		t.Fatal(err)
	}
	if err := cm.ValidateInput("run", []byte(`{"source":"s3"}`)); err != nil {
		t.Errorf("valid input refused: %v", err)
	}
	if err := cm.ValidateInput("run", []byte(`{}`)); !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "source") {
		t.Errorf("missing required property: err = %v", err)
	}
	if err := cm.ValidateInput("run", []byte(`{"source":`)); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("malformed JSON: err = %v", err)
	}
	if err := cm.ValidateInput("nope", []byte(`{}`)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown action: err = %v", err)
	}
	if err := cm.ValidateInput("status", []byte(`[1,2]`)); err != nil {
		t.Errorf("no schema accepts anything: %v", err)
	}
	if err := cm.ValidateConfig([]byte(`"text"`)); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("config of the wrong type: err = %v", err)
	}
}

func TestManifestProtoRoundTrip(t *testing.T) {
	m := validManifest()
	m.Description, m.Publisher, m.HTTP = "d", "p", true
	got := manifestFromProto(manifestToProto(m))
	a, _ := json.Marshal(m)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Fatalf("round trip changed the manifest:\n%s\n%s", a, b)
	}
}

// FuzzManifestJSON decodes arbitrary JSON as a manifest: validation must
// never panic, and a manifest that validates must survive the wire and
// validate again.
func FuzzManifestJSON(f *testing.F) {
	seed, _ := json.Marshal(validManifest())
	f.Add(seed)
	f.Add([]byte(`{"name":"ab","version":"0.0.1","actions":[{"name":"a","input_schema":{"$ref":"#/$defs/x","$defs":{"x":{"type":"string"}}}}]}`))
	f.Add([]byte(`{"name":"ab","version":"1.0.0","config_schema":{"$ref":"file:///etc/passwd"}}`))
	f.Add([]byte(`{"name":"ab","version":"1.0.0","event_types":["a.b","c"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			return
		}
		cm, err := CompileManifest(m)
		if err != nil {
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("validation error is not ErrInvalidInput: %v", err)
			}
			return
		}
		if !ValidPluginName(m.Name) {
			t.Fatalf("accepted invalid name %q", m.Name)
		}
		for _, e := range m.EventTypes {
			if ValidEventType(e) != nil {
				t.Fatalf("accepted invalid event type %q", e)
			}
		}
		for _, a := range m.Actions {
			_ = cm.ValidateInput(a.Name, []byte(`{}`))
		}
		if err := manifestFromProto(manifestToProto(m)).Validate(); err != nil {
			t.Fatalf("valid manifest invalid after the wire: %v", err)
		}
	})
}

// FuzzValidateEvent checks the event checks the host side applies to
// everything a plugin emits: no panic, and whatever passes has a grammatical
// type, a bounded size and a JSON payload.
func FuzzValidateEvent(f *testing.F) {
	f.Add("org-1", "acme", "sync.update", "", []byte(`{"progress":5}`))
	f.Add("org-1", "acme", "notification", "u1", []byte(`null`))
	f.Add("", "ACME", "plugin.status", "", []byte(`{`))
	f.Add("org-1", "acme", "a..b", "", []byte(``))
	f.Fuzz(func(t *testing.T, id, slug, typ, target string, data []byte) {
		e := Event{Tenant: Tenant{ID: id, Slug: slug}, Type: typ, Target: target, Data: data}
		if err := ValidateEvent(e); err != nil {
			if c := CodeOf(err); c != CodeInvalidInput && c != CodeResourceExhausted {
				t.Fatalf("unexpected code %q for %v", c, err)
			}
			return
		}
		if ValidEventType(typ) != nil || ValidateTenant(e.Tenant) != nil {
			t.Fatalf("accepted %+v", e)
		}
		if strings.ContainsAny(typ, "*> ") || strings.HasPrefix(typ, "plugin.") || strings.HasPrefix(typ, "custom.") {
			t.Fatalf("accepted type %q", typ)
		}
		if len(data) > 0 && !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
	})
}

// FuzzGrammars checks the hand-written grammar checks against the regular
// expressions they implement.
func FuzzGrammars(f *testing.F) {
	eventRE := regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)
	slugRE := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
	for _, s := range []string{"sync.update", "notification", "a.b_c.d9", "a..b", ".a", "a.", "9a", "a.9", "acme", "a", "-ab", "ab-", "a_b", strings.Repeat("a", 63), strings.Repeat("a", 64), ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := eventTypeGrammar(s), eventRE.MatchString(s); got != want {
			t.Fatalf("eventTypeGrammar(%q) = %v, regexp says %v", s, got, want)
		}
		if got, want := tenantSlugGrammar(s), slugRE.MatchString(s); got != want {
			t.Fatalf("tenantSlugGrammar(%q) = %v, regexp says %v", s, got, want)
		}
	})
}
