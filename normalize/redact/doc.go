// Package redact masks secret values in any text awsaudit writes or logs,
// as a reader could decode the text: a secret name (SecretNames:
// presigned-URL signatures and credentials, session tokens, secret keys)
// is recognized through percent-encoding to any depth up to a bound and
// JSON or C escapes (redactlevels.go), after any byte that cannot be part
// of a name, as a query or Authorization-header parameter (name=value) or
// as a quoted JSON key ("name": value, of any type). Only the value is
// replaced, in the text's own spelling; everything else is copied.
//
// Mode says how a record's strings are written (escaped, copied plain,
// redacted, decoded first); the parsers choose it once per input from its
// lineindex.Index, because nearly every log line holds no secret and no
// escape, and the encoders then skip the work for every field.
package redact
