// Package conf owns the awsaudit output configuration: the struct, its
// defaults, parsing of Fluent Bit properties (case-insensitive keys) and
// validation that reports every problem at once. Example Fluent Bit
// configurations live in conf/examples.
package conf
