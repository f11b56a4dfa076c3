// Package sigv4 owns server-side verification of AWS Signature Version 4:
// reading the Authorization header or presigned query, rebuilding the
// canonical request exactly as AWS does for non-S3 services, checking the
// signature against the caller's secret, and turning every failure into the
// error code, HTTP status and message that AWS itself returns, so SDKs and the
// AWS CLI react to Hotline the way they react to AWS.
//
// The package decides only whether a request was signed by the holder of an
// access key. Which regions and services are served, and what an identity may
// do, belong to the HTTP edge.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	algorithm         = "AWS4-HMAC-SHA256"
	scopeTerminator   = "aws4_request"
	unsignedPayload   = "UNSIGNED-PAYLOAD"
	amzDateLayout     = "20060102T150405Z"
	defaultMaxSkew    = 15 * time.Minute
	maxPresignExpires = 604800 // seven days, AWS's ceiling for X-Amz-Expires
	maxCachedKeys     = 4096
)

// Error is a verification failure carrying the AWS error code, HTTP status and message.
type Error struct {
	Code    string
	Status  int
	Message string
}

// Error returns "Code: Message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// The AWS error codes this package produces.
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	CodeIncompleteSignature        = "IncompleteSignatureException"
	CodeInvalidSignature           = "InvalidSignatureException"
	CodeUnrecognizedClient         = "UnrecognizedClientException"
)

// Messages fixed by AWS; the variable ones are built where they are raised.
const (
	msgMissingToken  = "Missing Authentication Token"
	msgUnrecognized  = "The security token included in the request is invalid."
	msgMismatch      = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgHostNotSigned = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgFoundBoth     = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
)

func errMissingToken() *Error {
	return &Error{Code: CodeMissingAuthenticationToken, Status: http.StatusForbidden, Message: msgMissingToken}
}

func errIncomplete(msg string) *Error {
	return &Error{Code: CodeIncompleteSignature, Status: http.StatusBadRequest, Message: msg}
}

func errInvalid(msg string) *Error {
	return &Error{Code: CodeInvalidSignature, Status: http.StatusForbidden, Message: msg}
}

func errUnrecognized() *Error {
	return &Error{Code: CodeUnrecognizedClient, Status: http.StatusForbidden, Message: msgUnrecognized}
}

// Verifier checks signed requests. It is safe for concurrent use once its
// fields are set, and must not be copied after first use (it holds the
// signing-key cache).
type Verifier struct {
	// Lookup returns the secret access key for an access key ID.
	Lookup func(accessKeyID string) (secret string, ok bool)
	// Now is the clock that skew is measured against; nil means time.Now.
	Now func() time.Time
	// MaxSkew is how far X-Amz-Date may be from Now; 0 means 15 minutes.
	MaxSkew time.Duration

	mu   sync.RWMutex
	keys map[keyID][32]byte
}

// Identity is what a verified request proved.
type Identity struct {
	AccessKeyID, Region, Service string
	SignedAt                     time.Time
}

// Verify checks r, whose body has already been read into body (the edge reads
// it once; Verify never reads r.Body). The error, when not nil, is an *Error.
func (v *Verifier) Verify(r *http.Request, body []byte) (Identity, error) {
	id, err := v.verify(r, body)
	if err != nil {
		return Identity{}, err
	}
	return id, nil
}

// ServiceOf returns the service name in the credential scope of r (header or
// presigned query) without verifying anything, or "" when there is none. The
// edge uses it to pick the service before it knows whether the request is
// genuine.
func ServiceOf(r *http.Request) string {
	var cred string
	if h := firstValue(r.Header, "Authorization"); trimOWS(h) != "" {
		cred = authParam(h, "Credential")
	} else if r.URL != nil {
		cred = rawQueryValue(r.URL.RawQuery, "X-Amz-Credential")
	}
	c, ok := splitCredential(cred)
	if !ok {
		return ""
	}
	return c.service
}

// request is what the signature claims, gathered from the header or query.
type request struct {
	presigned     bool
	credential    string
	signedHeaders string
	signature     string
	amzDate       string // the timestamp text that goes into the string to sign
	signedAt      time.Time
	expires       int64 // X-Amz-Expires in seconds, -1 when absent
}

func (v *Verifier) verify(r *http.Request, body []byte) (Identity, *Error) {
	s := getScratch()
	defer putScratch(s)

	var rawQuery string
	if r.URL != nil {
		rawQuery = r.URL.RawQuery
	}
	s.parseQuery(rawQuery)

	req, err := readAuth(r, s)
	if err != nil {
		return Identity{}, err
	}

	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if err := v.checkTime(&req, now); err != nil {
		return Identity{}, err
	}

	if !hostSigned(req.signedHeaders) {
		return Identity{}, errInvalid(msgHostNotSigned)
	}

	cred, ok := splitCredential(req.credential)
	if !ok {
		return Identity{}, errIncomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + clip(req.credential) + "'")
	}
	if err := checkScope(cred, req.amzDate); err != nil {
		return Identity{}, err
	}

	if v.Lookup == nil {
		return Identity{}, errUnrecognized()
	}
	secret, ok := v.Lookup(cred.accessKeyID)
	if !ok {
		return Identity{}, errUnrecognized()
	}

	var provided [32]byte
	sigOK := decodeHex32(&provided, req.signature)

	kid := keyID{secret: secret, date: cred.date, region: cred.region, service: cred.service}
	key, cached := v.cachedKey(kid)
	if !cached {
		key = deriveKey(kid)
	}

	// A client's canonical form can differ from ours only where SDKs disagree
	// with each other (botocore collapses tabs in header values and removes
	// dot segments from paths; the Go SDK does neither), so the alternatives
	// are tried only after the common form fails, and only when they differ.
	for variant := range variantCount {
		if variant != variantSDK && !s.variantApplies(variant) {
			continue
		}
		s.canonicalRequest(r, &req, body, variant)
		s.stringToSign(&req, cred)
		mac := s.hmac(&key)
		if sigOK && subtle.ConstantTimeCompare(mac[:], provided[:]) == 1 {
			if !cached {
				v.storeKey(kid, key)
			}
			return Identity{
				AccessKeyID: cred.accessKeyID,
				Region:      cred.region,
				Service:     cred.service,
				SignedAt:    req.signedAt,
			}, nil
		}
		if !sigOK {
			break // no variant can match a signature that is not 64 hex digits
		}
	}
	return Identity{}, errInvalid(msgMismatch)
}

// readAuth gathers the signature parameters from the Authorization header or
// the presigned query, with AWS's errors for whatever is missing.
func readAuth(r *http.Request, s *scratch) (request, *Error) {
	authz := firstValue(r.Header, "Authorization")
	hasHeader := trimOWS(authz) != ""
	algParam, hasQuery := s.queryValue("X-Amz-Algorithm")

	switch {
	case hasHeader && hasQuery:
		return request{}, &Error{Code: CodeInvalidSignature, Status: http.StatusBadRequest, Message: msgFoundBoth}
	case hasHeader:
		return readHeaderAuth(r, authz)
	case hasQuery:
		return readQueryAuth(s, algParam)
	}
	return request{}, errMissingToken()
}

func readHeaderAuth(r *http.Request, authz string) (request, *Error) {
	amzDate := firstValue(r.Header, "X-Amz-Date")
	date := firstValue(r.Header, "Date")
	f, err := parseAuthorization(authz, amzDate != "" || date != "")
	if err != nil {
		return request{}, err
	}
	req := request{
		credential:    f.credential,
		signedHeaders: f.signedHeaders,
		signature:     f.signature,
		expires:       -1,
	}
	if amzDate != "" {
		t, ok := parseAmzDate(amzDate)
		if !ok {
			return request{}, errBadDate(amzDate)
		}
		req.amzDate, req.signedAt = amzDate, t
		return req, nil
	}
	// The Date header is HTTP-date; the string to sign still carries the
	// ISO-8601 basic form of the same instant.
	t, perr := http.ParseTime(date)
	if perr != nil {
		return request{}, errBadDate(date)
	}
	req.signedAt = t.UTC()
	req.amzDate = req.signedAt.Format(amzDateLayout)
	return req, nil
}

func readQueryAuth(s *scratch, alg string) (request, *Error) {
	if alg != algorithm {
		// AWS treats a query signature in an unknown scheme as no signature.
		return request{}, errMissingToken()
	}
	cred, _ := s.queryValue("X-Amz-Credential")
	sig, _ := s.queryValue("X-Amz-Signature")
	sh, _ := s.queryValue("X-Amz-SignedHeaders")
	date, _ := s.queryValue("X-Amz-Date")
	var missing []string
	for _, p := range [...]struct{ name, val string }{
		{"X-Amz-Credential", cred},
		{"X-Amz-Signature", sig},
		{"X-Amz-SignedHeaders", sh},
		{"X-Amz-Date", date},
	} {
		if p.val == "" {
			missing = append(missing, "AWS query-string parameters must include '"+p.name+"'.")
		}
	}
	if len(missing) > 0 {
		return request{}, errIncomplete(strings.Join(missing, " ") + " Re-examine the query-string parameters.")
	}
	t, ok := parseAmzDate(date)
	if !ok {
		return request{}, errBadDate(date)
	}
	req := request{
		presigned:     true,
		credential:    cred,
		signedHeaders: sh,
		signature:     sig,
		amzDate:       date,
		signedAt:      t,
		expires:       -1,
	}
	if exp, present := s.queryValue("X-Amz-Expires"); present {
		n, err := strconv.ParseInt(exp, 10, 64)
		switch {
		case err != nil:
			return request{}, errIncomplete("X-Amz-Expires should be a number")
		case n < 0:
			return request{}, errIncomplete("X-Amz-Expires must be non-negative")
		case n > maxPresignExpires:
			return request{}, errIncomplete("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds")
		}
		req.expires = n
	}
	return req, nil
}

func errBadDate(got string) *Error {
	return errIncomplete("Date must be in ISO-8601 'basic format'. Got '" + clip(got) + "'. See http://en.wikipedia.org/wiki/ISO_8601")
}

// checkTime rejects requests signed too long ago or too far ahead. A presigned
// URL that states X-Amz-Expires lives that long instead of MaxSkew, as the
// client asked; without it a presigned URL lasts as long as a header signature.
func (v *Verifier) checkTime(req *request, now time.Time) *Error {
	skew := v.MaxSkew
	if skew <= 0 {
		skew = defaultMaxSkew
	}
	age := now.Sub(req.signedAt)
	if -age > skew {
		return errInvalid(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s)",
			req.signedAt.UTC().Format(amzDateLayout), now.Add(skew).UTC().Format(amzDateLayout),
			now.UTC().Format(amzDateLayout), formatWindow(skew)))
	}
	window := skew
	if req.expires >= 0 {
		window = time.Duration(req.expires) * time.Second
	}
	if age > window {
		return errInvalid(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s)",
			req.signedAt.UTC().Format(amzDateLayout), now.Add(-window).UTC().Format(amzDateLayout),
			now.UTC().Format(amzDateLayout), formatWindow(window)))
	}
	return nil
}

// formatWindow renders a window the way AWS does ("15 min."), falling back to
// seconds for windows that are not whole minutes.
func formatWindow(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min."
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + " sec."
}

// credential is the parsed X-Amz-Credential / Credential= value.
type credential struct {
	accessKeyID, date, region, service, terminator string
}

// splitCredential splits AKID/date/region/service/aws4_request. Trailing
// slashes are ignored, as AWS ignores them.
func splitCredential(s string) (credential, bool) {
	s = strings.TrimRight(s, "/")
	var parts [5]string
	for i := range 4 {
		var ok bool
		parts[i], s, ok = strings.Cut(s, "/")
		if !ok {
			return credential{}, false
		}
	}
	if strings.IndexByte(s, '/') >= 0 {
		return credential{}, false
	}
	parts[4] = s
	return credential{parts[0], parts[1], parts[2], parts[3], parts[4]}, true
}

// checkScope reports every scope fault at once, in AWS's words.
func checkScope(c credential, amzDate string) *Error {
	var faults []string
	if c.region == "" {
		faults = append(faults, "Credential should be scoped to a valid region, not '"+clip(c.region)+"'.")
	}
	if c.terminator != scopeTerminator {
		faults = append(faults, "Credential should be scoped with a valid terminator: 'aws4_request', not '"+clip(c.terminator)+"'.")
	}
	if c.date != amzDate[:8] {
		faults = append(faults, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+
			clip(c.date)+"' != '"+amzDate[:8]+"', from '"+amzDate+"'.")
	}
	if len(faults) > 0 {
		return errInvalid(strings.Join(faults, " "))
	}
	return nil
}

// hostSigned reports whether the signed-headers list names host (or the
// HTTP/2 :authority), without which a signature could be replayed at another
// host.
func hostSigned(list string) bool {
	for list != "" {
		var name string
		name, list, _ = strings.Cut(list, ";")
		if strings.EqualFold(name, "host") || name == ":authority" {
			return true
		}
	}
	return false
}

// parseAmzDate parses the ISO-8601 basic form YYYYMMDD'T'HHMMSS'Z' strictly
// and without allocating.
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != 16 || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(4, 6)
	day, ok3 := num(6, 8)
	hour, ok4 := num(9, 11)
	minute, ok5 := num(11, 13)
	sec, ok6 := num(13, 15)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	// time.Date normalises 20250230 to March; AWS rejects it.
	if t.Year() != year || int(t.Month()) != month || t.Day() != day ||
		t.Hour() != hour || t.Minute() != minute || t.Second() != sec {
		return time.Time{}, false
	}
	return t, true
}

// decodeHex32 decodes a 64-digit hex signature (either case).
func decodeHex32(dst *[32]byte, s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := range 32 {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// clip bounds attacker-supplied text echoed into error messages.
func clip(s string) string {
	const limit = 512
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}

// keyID names one derived signing key.
type keyID struct{ secret, date, region, service string }

func deriveKey(k keyID) [32]byte {
	mac := func(key []byte, data string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(data))
		return h.Sum(nil)
	}
	b := mac([]byte("AWS4"+k.secret), k.date)
	b = mac(b, k.region)
	b = mac(b, k.service)
	b = mac(b, scopeTerminator)
	var out [32]byte
	copy(out[:], b)
	return out
}

func (v *Verifier) cachedKey(k keyID) ([32]byte, bool) {
	v.mu.RLock()
	key, ok := v.keys[k]
	v.mu.RUnlock()
	return key, ok
}

// storeKey caches a key that has just verified a request, so only genuine
// scopes ever occupy the cache. Keys change daily; when the cache is full it is
// simply dropped, which costs one derivation per live scope.
func (v *Verifier) storeKey(k keyID, key [32]byte) {
	k = keyID{strings.Clone(k.secret), strings.Clone(k.date), strings.Clone(k.region), strings.Clone(k.service)}
	v.mu.Lock()
	if v.keys == nil || len(v.keys) >= maxCachedKeys {
		v.keys = make(map[keyID][32]byte)
	}
	v.keys[k] = key
	v.mu.Unlock()
}

// hexSum appends the lowercase hex SHA-256 of b.
func hexSum(dst, b []byte) []byte {
	sum := sha256.Sum256(b)
	return hex.AppendEncode(dst, sum[:])
}
