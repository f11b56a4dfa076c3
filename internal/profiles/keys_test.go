package profiles

import (
	"fmt"
	"math"
	"testing"
)

func TestProfileObjectKey(t *testing.T) {
	for _, seq := range []int64{0, 1, 15, 16, 255, 1 << 40, math.MaxInt64, -1, -255, math.MinInt64} {
		want := fmt.Sprintf("%s%016x", profileTypeObjectsPrefix("d", "p", "T"), seq)
		if got := profileObjectKey("d", "p", "T", seq); got != want {
			t.Errorf("profileObjectKey(%d) = %q, want %q", seq, got, want)
		}
	}
}

func TestAppendKeys(t *testing.T) {
	check := func(name string, got []byte, want string) {
		t.Helper()
		if string(got) != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	pre := []byte("junk")
	for _, dom := range []string{"d", "my-domain"} {
		id, typ, uk, key, val := "0190a1b2c3d4e5f60718293a4b5c6d7e", "Customer", "uk_-x", "_phone", "+15550100"
		check("domain", appendDomainPrefix(pre, dom)[4:], domainPrefix(dom))
		check("profile", appendProfileKey(pre, dom, id)[4:], profileKey(dom, id))
		check("type", appendTypeKey(pre, dom, typ)[4:], typeKey(dom, typ))
		check("index", appendIndexPrefix(pre, dom, key, val)[4:], indexPrefix(dom, key, val))
		check("object", appendObjectKey(pre, dom, typ, uk)[4:], objectKey(dom, typ, uk))
		check("typefields", appendTypeFieldsKey(pre, dom, typ, id)[4:], typeFieldsKey(dom, typ, id))
		check("expiry prefix", appendExpiryPrefix(pre, dom)[4:], expiryPrefix(dom))
		for _, seq := range []int64{0, 1, 15, 16, 255, 1 << 40, math.MaxInt64, -1, -255, math.MinInt64} {
			check("profile object", appendProfileObjectKey(pre, dom, id, typ, seq)[4:], profileObjectKey(dom, id, typ, seq))
		}
		for _, at := range []int64{0, 1, 9, 10, 1700000000000000000, math.MaxInt64, -1, math.MinInt64} {
			check("stamp", appendStamp(pre, at)[4:], expiryStamp(at))
			check("profile expiry", appendExpiryKey(pre, dom, at, 'p', id, "")[4:], expiryKey(dom, at, "p/"+id))
			check("object expiry", appendExpiryKey(pre, dom, at, 'o', typ, uk)[4:], expiryKey(dom, at, "o/"+objectRef(typ, uk)))
		}
	}
}
