// Package ocsf writes records as OCSF API Activity events (class_uid
// 6003, schema Version, cloud profile): the mapping in the README's OCSF
// table, values taken from the same record fields with the same
// redaction as the unified record (it writes through unified.Writer), and
// what OCSF has no attribute for under "unmapped" with its
// unified-record name. The alerts' highest severity becomes severity_id.
package ocsf
