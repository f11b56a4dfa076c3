// Package pagetoken owns the opaque pagination tokens Hotline hands to API
// callers. A token records where a listing stopped and what it listed, so a
// token from one listing cannot be replayed against another.
package pagetoken

import (
	"encoding/base64"
	"encoding/json"
	"errors"
)

// ErrInvalid is returned for a token that was not issued for this listing.
var ErrInvalid = errors.New("the pagination token is not valid for this request")

type token struct {
	V     int    `json:"v"`
	Scope string `json:"s"`
	After string `json:"a"`
}

// Encode returns the token that resumes a listing of scope after key.
func Encode(scope, after string) string {
	b, _ := json.Marshal(token{V: 1, Scope: scope, After: after})
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode returns the key a token resumes after. An empty token means the
// first page and yields "".
func Decode(scope, tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", ErrInvalid
	}
	var t token
	if err := json.Unmarshal(b, &t); err != nil || t.V != 1 || t.Scope != scope || t.After == "" {
		return "", ErrInvalid
	}
	return t.After, nil
}
