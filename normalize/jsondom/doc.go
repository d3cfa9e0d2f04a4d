// Package jsondom parses JSON documents (CloudTrail records, their
// envelopes, CloudWatch Logs messages) into a tree of Values that alias
// the input, and reads that tree: typed field readers that name the key
// of a wrong type (Typed), and the first-wins rule for repeated keys
// (Keys).
//
// It replaced fastjson on the CloudTrail path because a record is read
// once, front to back, and fastjson paid for laziness it could not use
// there: every string and every object's keys were searched for escapes
// again when first read, and members could only be visited through
// callbacks. This parser decodes each string once while parsing (with a
// plain search for the closing quote when the document holds no
// backslash, or the quote bitmap of a lineindex.Index when the caller has
// one), keeps every value's text, and is strict: numbers must follow
// JSON's grammar, escapes must be JSON's, nothing may follow the document.
// Repeated keys are all kept; readers take the first (see Value.Get and
// Keys). The parser hashes every member name anyway, so it marks objects
// it found free of repeats (Value.Distinct) and Keys walks those without
// checking again. Storage is reused from one parse to the next, and a document's
// huge top-level array can be parsed an item at a time (Parser.Stream).
package jsondom
