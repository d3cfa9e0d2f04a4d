// Package schema is the contract of the unified record:
// unified-v1.json, the JSON Schema every output is validated against in
// tests, embedded (JSON) so the CLI publishes exactly the file in the
// repository, and the dotted field paths it defines (FieldPaths,
// CheckFieldPath), which is how Message_Key is checked. The README's
// schema section describes the same fields for people.
package schema
