// Package apierr owns the errors that service packages return to API
// callers: an AWS error code, a message for a person, and any extra members
// the error shape carries. Service packages know nothing of HTTP; the edge
// maps each code to the status its service model gives it.
package apierr

import (
	"errors"
	"fmt"
)

// Error is an API error as AWS defines it.
type Error struct {
	Code    string         // the error shape name, e.g. "ResourceNotFoundException"
	Message string         // what went wrong and what to do about it
	Fields  map[string]any // extra modelled members, e.g. "problems"
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New returns an Error with a formatted message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// With returns a copy of e carrying one more modelled member.
func (e *Error) With(member string, value any) *Error {
	c := *e
	c.Fields = make(map[string]any, len(e.Fields)+1)
	for k, v := range e.Fields {
		c.Fields[k] = v
	}
	c.Fields[member] = value
	return &c
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err carries the given code.
func Is(err error, code string) bool {
	e, ok := As(err)
	return ok && e.Code == code
}
