package mcptools

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/mark3labs/mcp-go/mcp"
)

// outputSchema is the output JSON Schema of a tool whose structuredContent
// is a T, derived from T (mcp-go's WithOutputSchema: google/jsonschema-go
// reflection plus `jsonschema_description` tags), so the schema cannot
// drift from what the tool returns. Every field without omitempty is
// required; no other property is allowed.
//
// One edit: the reflection marks slices and pointers nullable (a nil
// slice encodes as null), but the tools never send null (lists are made
// empty, optional fields are omitted), and "type": ["null", "array"] only
// makes clients handle a case that never occurs. TestOutputsMatchSchemas
// validates real answers of every tool against these schemas.
func outputSchema[T any]() json.RawMessage {
	var t mcp.Tool
	mcp.WithOutputSchema[T]()(&t)
	if t.OutputSchema.Type != "object" || len(t.OutputSchema.Properties) == 0 {
		// mcp-go only prints reflection errors; a result type is static,
		// so failing here is a bug found by any test.
		panic(fmt.Sprintf("mcptools: no output schema for %v", reflect.TypeFor[T]()))
	}
	raw, err := json.Marshal(t.OutputSchema)
	if err != nil {
		panic(fmt.Sprintf("mcptools: output schema of %v: %v", reflect.TypeFor[T](), err))
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		panic(fmt.Sprintf("mcptools: output schema of %v: %v", reflect.TypeFor[T](), err))
	}
	return marshal(notNull(doc))
}

// notNull removes "null" from every "type" list of a decoded schema.
func notNull(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if types, ok := x.([]any); ok && k == "type" {
				var keep []any
				for _, t := range types {
					if t != "null" {
						keep = append(keep, t)
					}
				}
				if len(keep) == 1 {
					v[k] = keep[0]
				} else {
					v[k] = keep
				}
				continue
			}
			v[k] = notNull(x)
		}
	case []any:
		for i, x := range v {
			v[i] = notNull(x)
		}
	}
	return v
}
