package normalize

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/awsaudit/awsaudit/normalize/ocsf"
)

// ocsfCompiled is a compiled OCSF schema, as the OCSF server exports it
// (GET /export/schema?version=1.3.0) and as ocsf-lib-py caches it
// (schema_cache/schema-1.3.0.json of github.com/ocsf/ocsf-lib-py).
var ocsfCompiled = flag.String("ocsf-compiled", "",
	"path of a compiled OCSF schema export; TestGenerateOCSFSchema then rewrites "+ocsfSchemaFile)

// ocsfSchemaFile is the JSON Schema of API Activity that tests validate
// every Format ocsf output against.
const ocsfSchemaFile = "testdata/ocsf/api_activity-" + ocsf.Version + ".schema.json"

// ocsfProfiles are the profiles the encoder applies (metadata.profiles).
var ocsfProfiles = []string{"cloud"}

type ocsfItem struct {
	Caption     string                   `json:"caption"`
	Name        string                   `json:"name"`
	UID         *int                     `json:"uid"`
	Attributes  map[string]ocsfAttribute `json:"attributes"`
	Constraints struct {
		JustOne    []string `json:"just_one"`
		AtLeastOne []string `json:"at_least_one"`
	} `json:"constraints"`
}

type ocsfAttribute struct {
	Caption     string                     `json:"caption"`
	Type        string                     `json:"type"`
	ObjectType  string                     `json:"object_type"`
	Requirement string                     `json:"requirement"`
	IsArray     bool                       `json:"is_array"`
	Enum        map[string]json.RawMessage `json:"enum"`
	Profile     *string                    `json:"profile"`
}

// TestGenerateOCSFSchema writes the JSON Schema of the API Activity class
// from a compiled OCSF schema, the way the OCSF server's JSON Schema export
// does it (lib/schema/json_schema.ex of github.com/ocsf/ocsf-server: GET
// /schema/classes/api_activity?profiles=cloud): every attribute of the
// class and of each object it reaches, additionalProperties false, required
// attributes, just_one/at_least_one constraints as oneOf/anyOf, enums of
// integer_t and string_t attributes, and attributes of profiles other than
// ours left out. It runs only with -ocsf-compiled:
//
//	go test ./normalize -run TestGenerateOCSFSchema -ocsf-compiled=/path/schema-1.3.0.json
func TestGenerateOCSFSchema(t *testing.T) {
	if *ocsfCompiled == "" {
		t.Skip("needs -ocsf-compiled=PATH (a compiled OCSF " + ocsf.Version + " schema export)")
	}
	data, err := os.ReadFile(*ocsfCompiled)
	if err != nil {
		t.Fatal(err)
	}
	var compiled struct {
		Version string                     `json:"version"`
		Classes map[string]ocsfItem        `json:"classes"`
		Objects map[string]ocsfItem        `json:"objects"`
		Types   map[string]json.RawMessage `json:"types"`
	}
	if err := json.Unmarshal(data, &compiled); err != nil {
		t.Fatal(err)
	}
	if compiled.Version != ocsf.Version {
		t.Fatalf("compiled schema is version %s, want %s", compiled.Version, ocsf.Version)
	}
	types := map[string]string{}
	for name, raw := range compiled.Types {
		var ty struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(raw, &ty); err != nil {
			t.Fatal(err)
		}
		types[name] = ty.Type
	}
	class, ok := compiled.Classes["api_activity"]
	if !ok || class.UID == nil {
		t.Fatal("no api_activity class")
	}

	// Objects reached from the class, before profile filtering (as the
	// server gathers them).
	reached := map[string]ocsfItem{}
	var gather func(item ocsfItem)
	gather = func(item ocsfItem) {
		for _, a := range item.Attributes {
			if a.ObjectType == "" {
				continue
			}
			if _, seen := reached[a.ObjectType]; seen {
				continue
			}
			obj, ok := compiled.Objects[a.ObjectType]
			if !ok {
				t.Fatalf("object %q is not in the compiled schema", a.ObjectType)
			}
			reached[a.ObjectType] = obj
			gather(obj)
		}
	}
	gather(class)

	schema := encodeOCSFItem(t, class, types)
	schema["$schema"] = "http://json-schema.org/draft-07/schema#"
	schema["$id"] = "https://schema.ocsf.io/schema/classes/api_activity"
	defs := map[string]any{}
	for name, obj := range reached {
		defs[strings.ReplaceAll(name, "/", "_")] = encodeOCSFItem(t, obj, types)
	}
	schema["$defs"] = defs

	out, err := json.MarshalIndent(schema, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll("testdata/ocsf", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ocsfSchemaFile, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func encodeOCSFItem(t *testing.T, item ocsfItem, types map[string]string) map[string]any {
	props := map[string]any{}
	var required, justOne, atLeastOne []string
	names := make([]string, 0, len(item.Attributes))
	for name, a := range item.Attributes {
		if a.Profile != nil && !slices.Contains(ocsfProfiles, *a.Profile) {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		a := item.Attributes[name]
		switch {
		case slices.Contains(item.Constraints.JustOne, name):
			justOne = append(justOne, name)
		case slices.Contains(item.Constraints.AtLeastOne, name):
			atLeastOne = append(atLeastOne, name)
		case a.Requirement == "required":
			required = append(required, name)
		}
		props[name] = encodeOCSFAttribute(t, a, types)
	}
	s := map[string]any{
		"title":                item.Caption,
		"type":                 "object",
		"properties":           props,
		"additionalProperties": len(props) == 0,
	}
	if len(required) > 0 {
		s["required"] = required
	}
	if len(justOne) > 0 {
		var oneOf []any
		for _, name := range justOne {
			others := slices.DeleteFunc(slices.Clone(justOne), func(s string) bool { return s == name })
			oneOf = append(oneOf, map[string]any{"required": []string{name}, "not": map[string]any{"required": others}})
		}
		s["oneOf"] = oneOf
	}
	if len(atLeastOne) > 0 {
		var anyOf []any
		for _, name := range atLeastOne {
			anyOf = append(anyOf, map[string]any{"required": []string{name}})
		}
		s["anyOf"] = anyOf
	}
	return s
}

func encodeOCSFAttribute(t *testing.T, a ocsfAttribute, types map[string]string) map[string]any {
	s := map[string]any{"title": a.Caption}
	switch {
	case a.ObjectType != "":
		s["$ref"] = "#/$defs/" + strings.ReplaceAll(a.ObjectType, "/", "_")
	case a.Type == "integer_t" || a.Type == "string_t":
		if len(a.Enum) > 0 {
			var values []any
			if a.Type == "integer_t" {
				var ints []int
				for k := range a.Enum {
					v, err := strconv.Atoi(k)
					if err != nil {
						t.Fatalf("enum value %q of an integer_t", k)
					}
					ints = append(ints, v)
				}
				sort.Ints(ints)
				for _, v := range ints {
					values = append(values, v)
				}
			} else {
				keys := make([]string, 0, len(a.Enum))
				for k := range a.Enum {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					values = append(values, k)
				}
			}
			if len(values) == 1 {
				s["const"] = values[0]
			} else {
				s["enum"] = values
			}
		}
		s["type"] = strings.TrimSuffix(a.Type, "_t")
	case a.Type == "json_t":
	default:
		s["type"] = jsonSchemaType(t, a.Type, types)
	}
	if a.IsArray {
		items := map[string]any{}
		if ty, ok := s["type"]; ok {
			items["type"] = ty
			if e, ok := s["enum"]; ok {
				items["enum"] = e
				delete(s, "enum")
			}
		} else {
			items["$ref"] = s["$ref"]
			delete(s, "$ref")
		}
		s["type"] = "array"
		s["items"] = items
	}
	return s
}

// jsonSchemaType is the server's encode_type: the attribute's type or its
// base type, one level down.
func jsonSchemaType(t *testing.T, typ string, types map[string]string) string {
	base := map[string]string{"string_t": "string", "integer_t": "integer", "long_t": "integer",
		"float_t": "number", "boolean_t": "boolean"}
	if v, ok := base[typ]; ok {
		return v
	}
	if v, ok := base[types[typ]]; ok {
		return v
	}
	t.Fatalf("type %q has no JSON Schema type", typ)
	return fmt.Sprint(typ)
}
