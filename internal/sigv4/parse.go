package sigv4

import (
	"net/http"
	"net/url"
	"strings"
)

// authFields are the parameters of an AWS4-HMAC-SHA256 Authorization header.
// They are substrings of the header, so parsing does not allocate.
type authFields struct {
	credential, signedHeaders, signature string
}

// parseAuthorization parses
//
//	AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, SignedHeaders=a;b, Signature=hex
//
// tolerating any whitespace around the comma-separated parameters. hasDate
// says whether the request carries X-Amz-Date or Date, because AWS reports a
// missing date in the same message as missing parameters. Failures are
// IncompleteSignatureException in AWS's wording.
func parseAuthorization(h string, hasDate bool) (authFields, *Error) {
	h = trimOWS(h)
	alg, rest := h, ""
	if i := strings.IndexAny(h, " \t"); i >= 0 {
		alg, rest = h[:i], h[i+1:]
	}
	if alg != algorithm && strings.HasPrefix(alg, "AWS4-") {
		return authFields{}, errIncomplete("Unsupported AWS 'algorithm': '" + clip(alg) + "' (only AWS4-HMAC-SHA256 for now).")
	}

	var f authFields
	var sawSignedHeaders bool
	// Another scheme (Bearer, the SigV2 "AWS key:sig") has none of the
	// parameters, and AWS says exactly that rather than parsing it.
	if alg == algorithm {
		for rest != "" {
			var part string
			part, rest, _ = strings.Cut(rest, ",")
			part = trimOWS(part)
			if part == "" {
				continue
			}
			k, val, ok := strings.Cut(part, "=")
			if !ok {
				return authFields{}, errIncomplete("'" + clip(part) + "' not a valid key=value pair (missing equal-sign) in Authorization header: '" + clip(h) + "'.")
			}
			// A repeated parameter takes its last value, as AWS does.
			switch k {
			case "Credential":
				f.credential = val
			case "SignedHeaders":
				f.signedHeaders, sawSignedHeaders = val, true
			case "Signature":
				f.signature = val
			}
		}
	}

	var missing []string
	if f.credential == "" {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if f.signature == "" {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	// An empty SignedHeaders is well-formed; it fails later for lacking host.
	if !sawSignedHeaders {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	if !hasDate {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(missing) > 0 {
		return authFields{}, errIncomplete(strings.Join(missing, " ") + " Authorization=" + clip(h))
	}
	return f, nil
}

// authParam returns the last value of one parameter of an AWS4 Authorization
// header, ignoring any malformation; ServiceOf needs no more.
func authParam(h, name string) string {
	h = trimOWS(h)
	i := strings.IndexAny(h, " \t")
	if i < 0 || h[:i] != algorithm {
		return ""
	}
	rest := h[i+1:]
	var val string
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		if k, v, ok := strings.Cut(trimOWS(part), "="); ok && k == name {
			val = v
		}
	}
	return val
}

// trimOWS trims HTTP optional whitespace (spaces and tabs).
func trimOWS(s string) string {
	return strings.Trim(s, " \t")
}

// firstValue returns the first value of a header given in canonical form,
// without the allocation http.Header.Get spends canonicalising the name.
func firstValue(h http.Header, canonicalName string) string {
	if v := h[canonicalName]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// rawQueryValue returns the decoded first value of key in a raw query,
// decoding only that pair.
func rawQueryValue(raw, key string) string {
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if strings.Contains(seg, ";") {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		if k, err := url.QueryUnescape(k); err != nil || k != key {
			continue
		}
		if v, err := url.QueryUnescape(v); err == nil {
			return v
		}
	}
	return ""
}
