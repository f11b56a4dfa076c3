package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"
	"time"
)

// leanSigner signs the wire client's one request shape with SigV4: a
// request with a JSON body to one host and path, no query string, carrying
// only Content-Type and the headers signing adds. It produces the
// Authorization and X-Amz-Date headers aws-sdk-go-v2's v4.Signer.SignHTTP
// produces for that request (it signs content-length, content-type, host
// and x-amz-date, and sends no X-Amz-Content-Sha256 outside S3), without
// its per-request maps, sorting, string joins and key derivation:
// TestLeanSignerMatchesSDK holds the two to the same signature. The
// derived key is kept for its day and the canonical request and string to
// sign are built in reused buffers, so signing allocates nothing. A
// leanSigner is not safe for concurrent use; each connection has its own.
type leanSigner struct {
	accessKey, secret, region, service string
	method, host, path                 string // host as the Host header carries it

	day   string    // the date of the derived key, YYYYMMDD
	mac   hash.Hash // HMAC-SHA256 under the derived key of day
	creq  []byte    // canonical request
	sts   []byte    // string to sign
	sum   []byte    // a digest
	date  [16]byte  // X-Amz-Date, YYYYMMDD'T'HHMMSS'Z'
	authz []byte    // Authorization
}

const (
	signAlgorithm    = "AWS4-HMAC-SHA256"
	signTerminator   = "aws4_request"
	jsonContentType  = "application/json"
	signedHeaderList = "content-length;content-type;host;x-amz-date"
)

func newLeanSigner(accessKey, secret, region, service, method, host, path string) *leanSigner {
	return &leanSigner{
		accessKey: accessKey, secret: secret, region: region, service: service,
		method: method, host: host, path: path,
		creq: make([]byte, 0, 512), sts: make([]byte, 0, 256), sum: make([]byte, 0, sha256.Size),
		authz: make([]byte, 0, 256),
	}
}

// sign signs a request with body at t and returns its X-Amz-Date and
// Authorization values, which stay valid until the next call.
func (s *leanSigner) sign(body []byte, t time.Time) (amzDate, authorization []byte) {
	t = t.UTC()
	date := s.formatDate(t)
	if s.mac == nil || s.day != string(date[:8]) {
		s.derive(string(date[:8]))
	}
	bodySum := sha256.Sum256(body)

	b := append(s.creq[:0], s.method...)
	b = append(b, '\n')
	b = appendEscapedPath(b, s.path)
	b = append(b, "\n\ncontent-length:"...) // the empty line is the query
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\ncontent-type:"+jsonContentType+"\nhost:"...)
	b = append(b, s.host...)
	b = append(b, "\nx-amz-date:"...)
	b = append(b, date...)
	b = append(b, "\n\n"+signedHeaderList+"\n"...)
	b = hex.AppendEncode(b, bodySum[:])
	s.creq = b
	creqSum := sha256.Sum256(b)

	b = append(s.sts[:0], signAlgorithm+"\n"...)
	b = append(b, date...)
	b = append(b, '\n')
	b = s.appendScope(b)
	b = append(b, '\n')
	b = hex.AppendEncode(b, creqSum[:])
	s.sts = b

	s.mac.Reset()
	s.mac.Write(b)
	s.sum = s.mac.Sum(s.sum[:0])

	a := append(s.authz[:0], signAlgorithm+" Credential="...)
	a = append(a, s.accessKey...)
	a = append(a, '/')
	a = s.appendScope(a)
	a = append(a, ", SignedHeaders="+signedHeaderList+", Signature="...)
	a = hex.AppendEncode(a, s.sum)
	s.authz = a
	return date, a
}

// derive sets the HMAC to the signing key of day:
// HMAC(HMAC(HMAC(HMAC("AWS4"+secret, day), region), service), "aws4_request").
func (s *leanSigner) derive(day string) {
	key := []byte("AWS4" + s.secret)
	for _, part := range []string{day, s.region, s.service, signTerminator} {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(part))
		key = m.Sum(nil)
	}
	s.day, s.mac = day, hmac.New(sha256.New, key)
}

func (s *leanSigner) appendScope(b []byte) []byte {
	b = append(b, s.day...)
	b = append(b, '/')
	b = append(b, s.region...)
	b = append(b, '/')
	b = append(b, s.service...)
	return append(b, "/"+signTerminator...)
}

// formatDate writes t (UTC) as 20060102T150405Z into s.date.
func (s *leanSigner) formatDate(t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	b := s.date[:0]
	b = appendDigits(b, y, 4)
	b = appendDigits(b, int(mo), 2)
	b = appendDigits(b, d, 2)
	b = append(b, 'T')
	b = appendDigits(b, h, 2)
	b = appendDigits(b, mi, 2)
	b = appendDigits(b, sec, 2)
	return append(b, 'Z')
}

func appendDigits(b []byte, v, width int) []byte {
	var buf [4]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, buf[:width]...)
}

// appendEscapedPath escapes the path as it goes on the wire once more, as
// the SDK's signer does for services other than S3: every byte but the
// unreserved characters and '/'.
func appendEscapedPath(b []byte, path string) []byte {
	const upperHex = "0123456789ABCDEF"
	for i := 0; i < len(path); i++ {
		c := path[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '/' {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}
