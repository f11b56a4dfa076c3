package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Canonical-request variants. variantSDK is the AWS specification as the Go
// SDK and AWS implement it; the others reproduce botocore (the AWS CLI), which
// collapses every whitespace run in header values and removes dot segments and
// empty segments from the path before signing.
const (
	variantSDK = iota
	variantBotoHeaders
	variantBotoPath
	variantBoto
	variantCount
)

// scratch holds the buffers one verification needs, pooled so that the hot
// path does not allocate.
type scratch struct {
	pairs []qpair
	order []qspan
	enc   []byte // RFC 3986-encoded query keys and values
	creq  []byte // canonical request
	sts   []byte // 64-byte HMAC pad followed by the string to sign
	outer [64 + 32]byte
	name  [64]byte // canonical MIME form of a header name

	bodyHex  [64]byte
	bodyDone bool

	// Set while building the SDK form; they say whether the botocore forms
	// would differ at all.
	headerWS bool
	pathDots bool
}

// qpair is one decoded query parameter.
type qpair struct{ key, value string }

// qspan locates one encoded key=value in scratch.enc.
type qspan struct{ start, mid, end int }

var scratchPool = sync.Pool{New: func() any {
	return &scratch{
		pairs: make([]qpair, 0, 16),
		order: make([]qspan, 0, 16),
		enc:   make([]byte, 0, 256),
		creq:  make([]byte, 0, 1024),
		sts:   make([]byte, 0, 256),
	}
}}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	// Drop references into the request and oversized buffers before pooling.
	clear(s.pairs)
	s.pairs = s.pairs[:0]
	if cap(s.creq) > 64<<10 {
		s.creq = make([]byte, 0, 1024)
	}
	if cap(s.enc) > 64<<10 {
		s.enc = make([]byte, 0, 256)
	}
	s.bodyDone, s.headerWS, s.pathDots = false, false, false
	scratchPool.Put(s)
}

// parseQuery decodes the raw query the way url.ParseQuery does, because that
// is what the Go SDK signs: pairs containing ';' or a bad escape are dropped
// and '+' is a space.
func (s *scratch) parseQuery(raw string) {
	s.pairs = s.pairs[:0]
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" || strings.Contains(seg, ";") {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			continue
		}
		v, err = url.QueryUnescape(v)
		if err != nil {
			continue
		}
		s.pairs = append(s.pairs, qpair{k, v})
	}
}

// queryValue returns the first value of key and whether key is present.
func (s *scratch) queryValue(key string) (string, bool) {
	for _, p := range s.pairs {
		if p.key == key {
			return p.value, true
		}
	}
	return "", false
}

func (s *scratch) variantApplies(variant int) bool {
	switch variant {
	case variantBotoHeaders:
		return s.headerWS
	case variantBotoPath:
		return s.pathDots
	case variantBoto:
		return s.headerWS && s.pathDots
	}
	return true
}

// canonicalRequest builds
//
//	METHOD\nURI\nQUERY\nHEADERS\n\nSIGNED-HEADERS\nPAYLOAD-HASH
//
// into s.creq.
func (s *scratch) canonicalRequest(r *http.Request, req *request, body []byte, variant int) {
	b := s.creq[:0]
	b = append(b, r.Method...)
	b = append(b, '\n')

	path := escapedPath(r)
	if variant == variantSDK {
		s.pathDots = hasDotSegments(path)
	}
	if variant == variantBotoPath || variant == variantBoto {
		path = removeDotSegments(path)
	}
	b = appendCanonicalURI(b, path)
	b = append(b, '\n')

	b = s.appendCanonicalQuery(b, req.presigned)
	b = append(b, '\n')

	collapseAll := variant == variantBotoHeaders || variant == variantBoto
	list := req.signedHeaders
	for list != "" {
		var name string
		name, list, _ = strings.Cut(list, ";")
		b = appendLower(b, name)
		b = append(b, ':')
		b = s.appendHeaderValues(b, r, name, collapseAll)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	b = append(b, req.signedHeaders...)
	b = append(b, '\n')
	b = s.appendPayloadHash(b, r, req, body)
	s.creq = b
}

// escapedPath is the path exactly as the client sent it: RawPath when it is
// consistent with Path (it is kept only when the client's escaping differs
// from Go's default), else Go's escaping of Path, which then equals the wire
// form.
func escapedPath(r *http.Request) string {
	u := r.URL
	if u == nil {
		return ""
	}
	if u.RawPath != "" && unescapesTo(u.RawPath, u.Path) {
		return u.RawPath
	}
	return u.EscapedPath()
}

// unescapesTo reports whether percent-decoding raw yields want, without
// allocating.
func unescapesTo(raw, want string) bool {
	j := 0
	for i := 0; i < len(raw); {
		c := raw[i]
		if c == '%' {
			if i+2 >= len(raw) {
				return false
			}
			hi, ok1 := unhex(raw[i+1])
			lo, ok2 := unhex(raw[i+2])
			if !ok1 || !ok2 {
				return false
			}
			c = hi<<4 | lo
			i += 3
		} else {
			i++
		}
		if j >= len(want) || want[j] != c {
			return false
		}
		j++
	}
	return j == len(want)
}

// appendCanonicalURI encodes every byte of the already-escaped path except
// unreserved characters and '/', so "%3A" becomes "%253A": non-S3 services
// sign the path encoded twice.
func appendCanonicalURI(b []byte, path string) []byte {
	if path == "" {
		return append(b, '/')
	}
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c == '/' || unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

// hasDotSegments reports whether botocore's path normalisation could change
// the path. It may say yes for a harmless path such as "/.well-known"; that
// only costs one more comparison on a signature that has already failed.
func hasDotSegments(path string) bool {
	return strings.Contains(path, "//") || strings.Contains(path, "/.")
}

// removeDotSegments is botocore's remove_dot_segments: it also drops empty
// segments, keeping a leading slash and a trailing one.
func removeDotSegments(path string) string {
	if path == "" {
		return "/"
	}
	var out []string
	for seg := range strings.SplitSeq(path, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	var first, last string
	if path[0] == '/' {
		first = "/"
	}
	if path[len(path)-1] == '/' && len(out) > 0 {
		last = "/"
	}
	return first + strings.Join(out, "/") + last
}

// appendCanonicalQuery encodes each key and value per RFC 3986 (space is
// %20) and sorts by encoded key, then encoded value; AWS sorts after encoding.
// A presigned request's own signature is not part of what it signs.
func (s *scratch) appendCanonicalQuery(b []byte, presigned bool) []byte {
	if len(s.pairs) == 0 {
		return b
	}
	enc := s.enc[:0]
	order := s.order[:0]
	for _, p := range s.pairs {
		if presigned && p.key == "X-Amz-Signature" {
			continue
		}
		start := len(enc)
		enc = appendQueryEscape(enc, p.key)
		mid := len(enc)
		enc = appendQueryEscape(enc, p.value)
		order = append(order, qspan{start, mid, len(enc)})
	}
	slices.SortFunc(order, func(x, y qspan) int {
		if c := bytes.Compare(enc[x.start:x.mid], enc[y.start:y.mid]); c != 0 {
			return c
		}
		return bytes.Compare(enc[x.mid:x.end], enc[y.mid:y.end])
	})
	for i, sp := range order {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, enc[sp.start:sp.mid]...)
		b = append(b, '=')
		b = append(b, enc[sp.mid:sp.end]...)
	}
	s.enc, s.order = enc, order
	return b
}

const upperHex = "0123456789ABCDEF"

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func appendQueryEscape(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

func appendLower(b []byte, s string) []byte {
	i := 0
	for i < len(s) && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	b = append(b, s[:i]...) // SDKs send the names lower-case already
	for ; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// appendHeaderValues writes the canonical value of one signed header: every
// value trimmed, runs of spaces collapsed (runs of any whitespace when
// collapseAll), and multiple values joined with commas. host is the Host the
// client used, which Go keeps in r.Host rather than the header map.
func (s *scratch) appendHeaderValues(b []byte, r *http.Request, name string, collapseAll bool) []byte {
	if strings.EqualFold(name, "host") || name == ":authority" {
		return s.appendValue(b, r.Host, collapseAll)
	}
	vals := s.headerValues(r.Header, name)
	if vals == nil && strings.EqualFold(name, "content-length") && r.ContentLength > 0 {
		// Go moves Content-Length out of the map on some paths; the SDK signs
		// the length it sends.
		return strconv.AppendInt(b, r.ContentLength, 10)
	}
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = s.appendValue(b, v, collapseAll)
	}
	return b
}

func (s *scratch) appendValue(b []byte, v string, collapseAll bool) []byte {
	if collapseAll {
		return appendFields(b, v)
	}
	v = strings.TrimSpace(v)
	// Copy the longest prefix that needs no change in one go: most values
	// are plain ASCII with no run of spaces.
	i := 0
	for i < len(v) {
		c := v[i]
		if c < ' ' || c >= utf8.RuneSelf || c == ' ' && i+1 < len(v) && v[i+1] == ' ' {
			break
		}
		i++
	}
	b = append(b, v[:i]...)
	prevSpace := false
	for ; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if prevSpace {
				continue
			}
			prevSpace = true
		} else {
			prevSpace = false
			if c < ' ' || c >= utf8.RuneSelf {
				s.headerWS = true // a tab or non-ASCII byte: botocore may differ
			}
		}
		b = append(b, c)
	}
	return b
}

// appendFields is Python's ' '.join(v.split()).
func appendFields(b []byte, v string) []byte {
	first := true
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRuneInString(v[i:])
		if pySpace(r) {
			i += n
			continue
		}
		start := i
		for i < len(v) {
			r, n = utf8.DecodeRuneInString(v[i:])
			if pySpace(r) {
				break
			}
			i += n
		}
		if !first {
			b = append(b, ' ')
		}
		b = append(b, v[start:i]...)
		first = false
	}
	return b
}

// pySpace is Python's str.isspace for one character.
func pySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// headerValues finds a header by its lower-case signed name. Header maps from
// net/http are keyed canonically, so the name is canonicalised into a fixed
// buffer and looked up without allocating; only a miss scans the map, for
// maps that were filled by hand.
func (s *scratch) headerValues(h http.Header, name string) []string {
	if len(name) <= len(s.name) {
		n := s.name[:0]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			} else if !upper && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			upper = c == '-'
			n = append(n, c)
		}
		if v, ok := h[string(n)]; ok {
			return v
		}
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// appendPayloadHash writes the payload line. A client that sends
// X-Amz-Content-Sha256 signs that header's value; the body's real hash is used
// in its place, so an honest client verifies the same and a body that does
// not match its declared hash fails. UNSIGNED-PAYLOAD leaves the body out, and
// is the default for presigned URLs.
func (s *scratch) appendPayloadHash(b []byte, r *http.Request, req *request, body []byte) []byte {
	if v := r.Header["X-Amz-Content-Sha256"]; len(v) > 0 {
		if v[0] == unsignedPayload {
			return append(b, unsignedPayload...)
		}
	} else if req.presigned {
		return append(b, unsignedPayload...)
	}
	if !s.bodyDone {
		sum := sha256.Sum256(body)
		hex.Encode(s.bodyHex[:], sum[:])
		s.bodyDone = true
	}
	return append(b, s.bodyHex[:]...)
}

// stringToSign writes the HMAC inner pad placeholder followed by
//
//	AWS4-HMAC-SHA256\nX-Amz-Date\ndate/region/service/aws4_request\nhex(sha256(canonical request))
//
// into s.sts.
func (s *scratch) stringToSign(req *request, c credential) {
	b := append(s.sts[:0], make([]byte, 64)...)
	b = append(b, algorithm...)
	b = append(b, '\n')
	b = append(b, req.amzDate...)
	b = append(b, '\n')
	b = append(b, c.date...)
	b = append(b, '/')
	b = append(b, c.region...)
	b = append(b, '/')
	b = append(b, c.service...)
	b = append(b, '/')
	b = append(b, c.terminator...)
	b = append(b, '\n')
	b = hexSum(b, s.creq)
	s.sts = b
}

// hmac computes HMAC-SHA256(key, string to sign) with two Sum256 calls over
// pooled buffers, which is what keeps verification allocation-free.
func (s *scratch) hmac(key *[32]byte) [32]byte {
	pad := s.sts[:64]
	for i := range pad {
		pad[i] = 0x36
	}
	for i, k := range key {
		pad[i] ^= k
	}
	inner := sha256.Sum256(s.sts)
	for i := range 64 {
		s.outer[i] = 0x5c
	}
	for i, k := range key {
		s.outer[i] ^= k
	}
	copy(s.outer[64:], inner[:])
	return sha256.Sum256(s.outer[:])
}
