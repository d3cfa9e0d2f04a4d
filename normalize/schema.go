package normalize

import _ "embed"

// SchemaJSON is the JSON Schema of the unified record, version 1.
// It is embedded so the CLI and tests publish exactly the file in the repo.
//
//go:embed schema/unified-v1.json
var SchemaJSON []byte
