// Package jsonw writes compact JSON into a caller's byte slice: string
// escaping with UTF-8 repair, numbers, and field writers for objects whose
// absent fields are left out. The unified encoder, the OCSF encoder and
// the pipeline's dead letters all write through it, so there is one
// escaper and one notion of "absent" in the project.
//
// Field writers take the buffer and return it (b = jsonw.ConstField(b,
// `,"k":`, v)) so the buffer stays in registers across a whole record
// instead of going through memory after every append; that was the cost
// that dominated encoding when the buffer was a struct field. Keys are
// passed ready to copy, leading comma included. OpenObj and CloseObj turn
// the comma of an object's first field into its '{', or drop the object
// when nothing was written.
//
// The 8-bytes-at-a-time scan in AppendEscaped (WordIsSafe) is kept because
// log text is almost all plain ASCII: it escapes such a string at several
// times the speed of a byte loop.
package jsonw
