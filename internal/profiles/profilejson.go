package profiles

import (
	"github.com/hotline-dev/hotline/internal/profiles/api"
)

// The Profile shape written without reflection: SearchProfiles answers
// with up to 100 of them, and encoding/json's reflection plus the
// compaction it runs over a Marshaler's output were a quarter of a
// search's CPU. The bytes are encoding/json's, member for member (members
// in field order, omitempty pointers left out, nil maps and slices as
// null, map keys sorted, HTML characters escaped): TestAppendProfileJSON
// fills every field of the generated types by reflection and compares.

// appendProfileJSON appends p as encoding/json writes it.
func appendProfileJSON(b []byte, p *api.Profile) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	w := objectWriter{b: append(b, '{')}
	w.str("AccountNumber", p.AccountNumber)
	w.str("AdditionalInformation", p.AdditionalInformation)
	w.address("Address", p.Address)
	w.name("Attributes")
	w.b = appendStringMap(w.b, p.Attributes)
	w.address("BillingAddress", p.BillingAddress)
	w.str("BirthDate", p.BirthDate)
	w.str("BusinessEmailAddress", p.BusinessEmailAddress)
	w.str("BusinessName", p.BusinessName)
	w.str("BusinessPhoneNumber", p.BusinessPhoneNumber)
	w.str("EmailAddress", p.EmailAddress)
	if e := p.EngagementPreferences; e != nil {
		w.name("EngagementPreferences")
		v := objectWriter{b: append(w.b, '{')}
		v.name("Email")
		v.b = appendContactPreferences(v.b, e.Email)
		v.name("Phone")
		v.b = appendContactPreferences(v.b, e.Phone)
		w.b = append(v.b, '}')
	}
	w.str("FirstName", p.FirstName)
	w.name("FoundByItems")
	w.b = appendFoundBy(w.b, p.FoundByItems)
	w.str("Gender", p.Gender)
	w.str("GenderString", p.GenderString)
	w.str("HomePhoneNumber", p.HomePhoneNumber)
	w.str("LastName", p.LastName)
	w.address("MailingAddress", p.MailingAddress)
	w.str("MiddleName", p.MiddleName)
	w.str("MobilePhoneNumber", p.MobilePhoneNumber)
	w.str("PartyType", p.PartyType)
	w.str("PartyTypeString", p.PartyTypeString)
	w.str("PersonalEmailAddress", p.PersonalEmailAddress)
	w.str("PhoneNumber", p.PhoneNumber)
	w.str("ProfileId", p.ProfileId)
	w.str("ProfileType", p.ProfileType)
	w.address("ShippingAddress", p.ShippingAddress)
	return append(w.b, '}')
}

// objectWriter writes the members of a JSON object after its '{'.
type objectWriter struct {
	b    []byte
	more bool
}

func (w *objectWriter) name(n string) {
	if w.more {
		w.b = append(w.b, ',')
	}
	w.more = true
	w.b = append(w.b, '"')
	w.b = append(w.b, n...)
	w.b = append(w.b, '"', ':')
}

// str writes an omitempty string pointer.
func (w *objectWriter) str(n string, v *string) {
	if v == nil {
		return
	}
	w.name(n)
	w.b = appendJSONString(w.b, *v)
}

// address writes an omitempty *Address.
func (w *objectWriter) address(n string, a *api.Address) {
	if a == nil {
		return
	}
	w.name(n)
	v := objectWriter{b: append(w.b, '{')}
	v.str("Address1", a.Address1)
	v.str("Address2", a.Address2)
	v.str("Address3", a.Address3)
	v.str("Address4", a.Address4)
	v.str("City", a.City)
	v.str("Country", a.Country)
	v.str("County", a.County)
	v.str("PostalCode", a.PostalCode)
	v.str("Province", a.Province)
	v.str("State", a.State)
	w.b = append(v.b, '}')
}

func appendStringMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	for i, k := range appendSortedKeys(make([]string, 0, len(m)), m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	return append(b, '}')
}

func appendStrings(b []byte, s []string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, v)
	}
	return append(b, ']')
}

// appendObjects writes a list of objects, each by object: null for a nil
// list or element, as encoding/json writes a slice of pointers.
func appendObjects[T any](b []byte, xs []*T, object func(w *objectWriter, x *T)) []byte {
	if xs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		if x == nil {
			b = append(b, "null"...)
			continue
		}
		w := objectWriter{b: append(b, '{')}
		object(&w, x)
		b = append(w.b, '}')
	}
	return append(b, ']')
}

func appendContactPreferences(b []byte, cs []*api.ContactPreference) []byte {
	return appendObjects(b, cs, func(w *objectWriter, c *api.ContactPreference) {
		w.str("ContactType", c.ContactType)
		w.str("KeyName", c.KeyName)
		w.str("KeyValue", c.KeyValue)
		w.str("ProfileId", c.ProfileId)
	})
}

func appendFoundBy(b []byte, fs []*api.FoundByKeyValue) []byte {
	return appendObjects(b, fs, func(w *objectWriter, f *api.FoundByKeyValue) {
		w.str("KeyName", f.KeyName)
		w.name("Values")
		w.b = appendStrings(w.b, f.Values)
	})
}
