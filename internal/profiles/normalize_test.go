package profiles

import (
	"strings"
	"testing"
	"unicode"
)

// refNormalize is normalize as first written, without fast paths.
func refNormalize(kind, v string) string {
	switch kind {
	case ctPhone:
		v = strings.TrimSpace(v)
		plus := strings.HasPrefix(v, "+")
		var digits strings.Builder
		for _, r := range v {
			if r >= '0' && r <= '9' {
				digits.WriteRune(r)
			} else if unicode.IsLetter(r) && digits.Len() > 0 {
				break
			}
		}
		d := digits.String()
		switch {
		case d == "":
			return ""
		case plus:
			return "+" + d
		case strings.HasPrefix(d, "00") && len(d) > 2:
			return "+" + d[2:]
		case len(d) == 10:
			return "+1" + d
		}
		return "+" + d
	case ctEmail:
		return strings.ToLower(strings.TrimSpace(v))
	case ctName:
		return strings.ToLower(strings.Join(strings.Fields(v), " "))
	case ctNumber:
		return normalizeNumber(v)
	}
	return v
}

var normalizeSeeds = []string{"", " ", "+1 (555) 010-0001", "555-010-0001", "0044 7700 900123", "00", "001", "15550100003",
	"555.010.0002 x12", "abc", "x1", "1x2", "\u00a0+44 1", " Ann@Example.COM ", "ÉMILE@x.fr", "  Ann   Marie\tSMITH\n",
	"Zoë  Müller", "a\u00a0b", "a\u0085b", "007.50", "-0", "\xff\xfe", "İ", "K", "ǅ"}

func checkNormalize(t *testing.T, v string) {
	for _, kind := range []string{ctPhone, ctEmail, ctName, ctNumber, ctString} {
		want := refNormalize(kind, v)
		if got := normalize(kind, v); got != want {
			t.Errorf("normalize(%s, %q) = %q, want %q", kind, v, got, want)
		}
		if got := appendNormal([]byte("x"), kind, v); string(got) != "x"+want {
			t.Errorf("appendNormal(%s, %q) = %q, want x%q", kind, v, got, want)
		}
	}
}

func TestNormalize(t *testing.T) {
	for _, v := range normalizeSeeds {
		checkNormalize(t, v)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, v := range normalizeSeeds {
		f.Add(v)
	}
	f.Fuzz(checkNormalize)
}

// refRefreshStandardKeys is refreshStandardKeys as first written: drop
// every standard support, then add one to each value the fields give.
func refRefreshStandardKeys(p *profileRecord) {
	p.dropSupports(func(_, _ string, s keySupport) bool { return s.Ref == refStandard })
	std := keySupport{Ref: refStandard}
	add := func(key, raw string) {
		if v := refNormalize(standardKinds[key], raw); v != "" {
			p.addSupport(key, v, std)
		}
	}
	add(keyProfileID, p.ID)
	add(keyAccount, p.value("AccountNumber"))
	for _, f := range phoneFields {
		add(keyPhone, p.value(f))
	}
	for _, f := range emailFields {
		add(keyEmail, p.value(f))
	}
	var name []string
	for _, f := range nameFields {
		if v := p.value(f); v != "" {
			name = append(name, v)
		}
	}
	add(keyFullName, strings.Join(name, " "))
}

func FuzzRefreshStandardKeys(f *testing.F) {
	f.Add("id", "Ann", "", "SMITH", "+1 555 0100", "555 0100", "A@B.C", "a@b.c", "acct", "+15550100", "obj", uint8(0))
	f.Add("", " ", "É", "x", "", "abc", "", " ", "", "", "std", uint8(255))
	f.Fuzz(func(t *testing.T, id, first, middle, last, phone, mobile, email, email2, account, extra, ref string, shape uint8) {
		build := func() *profileRecord {
			p := &profileRecord{ID: id, Fields: map[string]*fieldValue{}}
			for path, v := range map[string]string{"FirstName": first, "MiddleName": middle, "LastName": last,
				"PhoneNumber": phone, "MobilePhoneNumber": mobile, "EmailAddress": email, "BusinessEmailAddress": email2,
				"AccountNumber": account} {
				if v != "" || shape&1 != 0 {
					p.Fields[path] = &fieldValue{V: v}
				}
			}
			// Supports as earlier versions of the fields, objects and
			// AddProfileKey may have left them.
			if shape&2 != 0 {
				p.addSupport(keyPhone, refNormalize(ctPhone, phone), keySupport{Ref: ref, Exp: 5})
			}
			if shape&4 != 0 {
				p.addSupport(keyPhone, refNormalize(ctPhone, extra), keySupport{Ref: refStandard})
			}
			if shape&8 != 0 {
				p.addSupport(keyAccount, account, keySupport{Ref: refStandard, Exp: 7})
				p.addSupport(keyAccount, account, keySupport{Ref: ref})
			}
			if shape&16 != 0 {
				p.addSupport(keyEmail, extra, keySupport{Ref: refManual})
				p.addSupport(keyEmail, extra, keySupport{Ref: refStandard})
			}
			if shape&32 != 0 {
				if p.Keys == nil {
					p.Keys = map[string]map[string][]keySupport{}
				}
				p.Keys["custom"] = map[string][]keySupport{extra: {}, "": nil}
				p.Keys[keyFullName] = nil
			}
			if shape&64 != 0 {
				refRefreshStandardKeys(p)
				if f := p.Fields["LastName"]; f != nil {
					f.V += "x"
				}
			}
			return p
		}
		got, want := build(), build()
		got.refreshStandardKeys()
		refRefreshStandardKeys(want)
		gb, _ := got.appendJSON(nil)
		wb, _ := want.appendJSON(nil)
		if string(gb) != string(wb) {
			t.Errorf("refreshStandardKeys:\n got %s\nwant %s", gb, wb)
		}
	})
}
