package pluginhost

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// compileSchema compiles a JSON Schema the way grpcplugin does (draft
// 2020-12 by default, nothing loaded from outside); nil accepts anything.
func compileSchema(raw json.RawMessage) (*jsonschema.Schema, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(jsonschema.SchemeURLLoader{})
	const loc = "urn:switchyard:schema"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, err
	}
	return c.Compile(loc)
}

// validateDoc checks doc against s and returns a *FieldError naming the
// first offending value below root ("config", "input").
func validateDoc(s *jsonschema.Schema, root string, doc []byte) error {
	if len(bytes.TrimSpace(doc)) == 0 {
		doc = []byte("null")
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return &FieldError{Field: root, Message: "is not valid JSON"}
	}
	if s == nil {
		return nil
	}
	err = s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return &FieldError{Field: root, Message: err.Error()}
	}
	return fieldOf(root, ve)
}

// fieldOf turns the deepest first cause of a validation error into a
// FieldError.
func fieldOf(root string, ve *jsonschema.ValidationError) *FieldError {
	leaf := ve
	for len(leaf.Causes) > 0 {
		leaf = leaf.Causes[0]
	}
	path := append([]string{root}, leaf.InstanceLocation...)
	switch k := leaf.ErrorKind.(type) {
	case *kind.Required:
		if len(k.Missing) > 0 {
			return &FieldError{Field: strings.Join(append(path, k.Missing[0]), "."), Message: "is required"}
		}
	case *kind.AdditionalProperties:
		if len(k.Properties) > 0 {
			return &FieldError{Field: strings.Join(append(path, k.Properties[0]), "."), Message: "is not allowed here"}
		}
	}
	msg := leaf.ErrorKind.LocalizedString(message.NewPrinter(language.English))
	if msg == "" {
		msg = fmt.Sprint(leaf)
	}
	return &FieldError{Field: strings.Join(path, "."), Message: msg}
}
