// Package flow owns the Amazon Connect flow language (Version "2019-10-30"):
// it parses flow and flow-module content, validates it the way the Connect
// API does on write, and compiles it into a form an interpreter can run
// without touching JSON again.
//
// The compiled form indexes actions by position, resolves every transition
// to an index, pre-builds conditions, and pre-parses every string parameter
// into a Value (static text, a single JSONPath reference, or interpolated
// text). Validation problems are collected, not returned one at a time,
// because Connect reports them all (up to 50) in one InvalidContactFlow
// error.
//
// Where the public documentation is silent, the choices made here are
// written down in docs/flow-validation.md.
package flow
