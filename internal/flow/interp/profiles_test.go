package interp

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// fakeProfiles is an in-memory domain: profiles by id, searched by exact
// key values (_phone is PhoneNumber, _account AccountNumber, _email
// EmailAddress). The real domain is tested in internal/profiles and
// end to end in internal/server.
type fakeProfiles struct {
	byID       map[string]map[string]string
	associated map[string]string // contact -> profile
	next       int
	// objects holds each profile's objects in ingestion order; a key
	// matches an object whose member of the key's name has the value.
	objects    map[string][]fakeObject
	calculated map[string]map[string]string // profile -> name -> value
}

type fakeObject struct {
	typ, json string
}

func newFakeProfiles(profiles ...map[string]string) *fakeProfiles {
	f := &fakeProfiles{byID: map[string]map[string]string{}, associated: map[string]string{}}
	for _, p := range profiles {
		f.byID[p["ProfileId"]] = p
	}
	return f
}

var fakeKeys = map[string]string{"_phone": "PhoneNumber", "_account": "AccountNumber", "_email": "EmailAddress", "_profileId": "ProfileId"}

func (f *fakeProfiles) Search(keys []ProfileKey, and bool, limit int) ([]map[string]string, error) {
	var out []map[string]string
	for _, id := range slices.Sorted(maps.Keys(f.byID)) {
		p := f.byID[id]
		hits := 0
		for _, k := range keys {
			if field, ok := fakeKeys[k.Name]; ok && p[field] == k.Value {
				hits++
			}
		}
		if and && hits == len(keys) || !and && hits > 0 {
			out = append(out, maps.Clone(p))
		}
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

func (f *fakeProfiles) Create(fields map[string]string) (map[string]string, error) {
	f.next++
	p := maps.Clone(fields)
	p["ProfileId"] = fmt.Sprintf("p%d", f.next)
	f.byID[p["ProfileId"]] = p
	return maps.Clone(p), nil
}

func (f *fakeProfiles) Update(id string, fields map[string]string) (map[string]string, error) {
	p, ok := f.byID[id]
	if !ok {
		return nil, fmt.Errorf("profile %s: %w", id, ErrNotFound)
	}
	maps.Copy(p, fields)
	return maps.Clone(p), nil
}

func (f *fakeProfiles) Get(id string) (map[string]string, error) {
	p, ok := f.byID[id]
	if !ok {
		return nil, fmt.Errorf("profile %s: %w", id, ErrNotFound)
	}
	return maps.Clone(p), nil
}

func (f *fakeProfiles) Objects(id, objectType string, key *ProfileKey, limit int) ([]string, error) {
	var out []string
	list := f.objects[id]
	for i := len(list) - 1; i >= 0 && len(out) < limit; i-- {
		o := list[i]
		if o.typ != objectType || key != nil && !strings.Contains(o.json, fmt.Sprintf("%q:%q", key.Name, key.Value)) {
			continue
		}
		out = append(out, o.json)
	}
	return out, nil
}

func (f *fakeProfiles) Calculated(id string) (map[string]string, error) {
	return maps.Clone(f.calculated[id]), nil
}

func (f *fakeProfiles) Associate(id, contactID string) error {
	if _, ok := f.byID[id]; !ok {
		return fmt.Errorf("profile %s: %w", id, ErrNotFound)
	}
	f.associated[contactID] = id
	return nil
}

var (
	alex = map[string]string{"ProfileId": "p-alex", "FirstName": "Alex", "LastName": "Rivera", "PhoneNumber": "+447700900123",
		"AccountNumber": "00001", "Attributes.tier": "gold", "City": "Bristol"}
	sam = map[string]string{"ProfileId": "p-sam", "FirstName": "Sam", "PhoneNumber": "+447700900999", "AccountNumber": "00002",
		"EmailAddress": "shared@example.com"}
	kim = map[string]string{"ProfileId": "p-kim", "FirstName": "Kim", "PhoneNumber": "+447700900998", "AccountNumber": "00003",
		"EmailAddress": "shared@example.com"}
)

// greet is what a found profile leads to: the fields it exposed, read back
// through $.Customer in a prompt.
const greet = `Hello $.Customer.FirstName $.Customer.LastName of $.Customer.City, tier $.Customer.Attributes.tier, id $.Customer.ProfileId`

func TestGetCustomerProfile(t *testing.T) {
	tests := []struct {
		name    string
		request string
		noLink  bool
		want    string
	}{
		{"by caller's phone", `{"IdentifierName":"_phone","IdentifierValue":"$.CustomerEndpoint.Address"}`, false,
			"Hello Alex Rivera of Bristol, tier gold, id p-alex"},
		{"the documentation's spelling", `{"IdentifierName":"_account","IdentiferValue":"00001"}`, false,
			"Hello Alex Rivera of Bristol, tier gold, id p-alex"},
		{"none found", `{"IdentifierName":"_phone","IdentifierValue":"+15550000000"}`, false, "err NoneFoundError"},
		{"several found", `{"IdentifierName":"_email","IdentifierValue":"shared@example.com"}`, false, "err MultipleFoundError"},
		{"criteria with AND", `{"SearchCriteria":[{"IdentifierName":"_email","IdentifierValue":"shared@example.com"},{"IdentifierName":"_account","IdentifierValue":"00003"}],"LogicalOperator":"AND"}`, false,
			"Hello Kim  of , tier , id p-kim"},
		{"criteria with OR", `{"SearchCriteria":[{"IdentifierName":"_account","IdentifierValue":"00009"},{"IdentifierName":"_account","IdentifierValue":"00002"}],"LogicalOperator":"OR"}`, false,
			"Hello Sam  of , tier , id p-sam"},
		{"criteria without an operator", `{"SearchCriteria":[{"IdentifierName":"_account","IdentifierValue":"00002"}]}`, false, "err NoMatchingError"},
		{"value resolving to nothing", `{"IdentifierName":"_phone","IdentifierValue":"$.Attributes.missing"}`, false, "err NoMatchingError"},
		{"no domain linked", `{"IdentifierName":"_phone","IdentifierValue":"$.CustomerEndpoint.Address"}`, true, "err NoMatchingError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv()
			if !tt.noLink {
				env.profiles = newFakeProfiles(alex, sam, kim)
			}
			params := `{"ProfileRequestData":` + tt.request + `,"ProfileResponseData":["FirstName","LastName","City","Attributes.tier"]}`
			env.addFlow(t, "main", "CONTACT_FLOW", doc(
				act("x", "GetCustomerProfile", params, tr{next: "hello", errors: [][2]string{
					{"NoneFoundError", "err NoneFoundError"}, {"MultipleFoundError", "err MultipleFoundError"}, {"NoMatchingError", "err NoMatchingError"}}}),
				say("hello", greet, "end"),
				say("err NoneFoundError", "err NoneFoundError", "end"),
				say("err MultipleFoundError", "err MultipleFoundError", "end"),
				say("err NoMatchingError", "err NoMatchingError", "end"),
				hangup("end")))
			s := newSim(t, env)
			s.persist = true
			if got := lastSaid(s.call("main")); got != tt.want {
				t.Errorf("heard %q, want %q", got, tt.want)
			}
		})
	}
}

// $.Customer belongs to the contact: a flow transferred to sees it, and
// only the fields asked for (and the id) are exposed.
func TestCustomerOutlivesTheFlow(t *testing.T) {
	env := newEnv()
	env.profiles = newFakeProfiles(alex)
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("x", "GetCustomerProfile", `{"ProfileRequestData":{"IdentifierName":"_phone","IdentifierValue":"$.CustomerEndpoint.Address"},"ProfileResponseData":["FirstName"]}`, onErr("go", "end")),
		act("go", "TransferToFlow", `{"ContactFlowId":"second"}`, onErr("end", "end")),
		hangup("end")))
	env.addFlow(t, "second", "CONTACT_FLOW", doc(say("hi", "Hi $.Customer.FirstName ($.Customer.LastName)", "end"), hangup("end")))
	s := newSim(t, env)
	s.persist = true
	if got := lastSaid(s.call("main")); got != "Hi Alex ()" {
		t.Errorf("heard %q", got)
	}
	if got := s.c.Customer; len(got) != 2 || got["ProfileId"] != "p-alex" {
		t.Errorf("$.Customer = %v, want the id and FirstName", got)
	}
}

func TestCreateUpdateAndAssociateProfile(t *testing.T) {
	env := newEnv()
	fake := newFakeProfiles()
	env.profiles = fake
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("create", "CreateCustomerProfile", `{"ProfileRequestData":{"FirstName":"$.Attributes.name","PhoneNumber":"$.CustomerEndpoint.Address","Attributes.source":"ivr","LastName":"$.Attributes.missing"},"ProfileResponseData":["FirstName","PhoneNumber"]}`, onErr("update", "failed")),
		act("update", "UpdateCustomerProfile", `{"ProfileRequestData":{"ProfileId":"$.Customer.ProfileId","City":"Leeds","FirstName":"Rob"},"ProfileResponseData":["FirstName","City"]}`, onErr("link", "failed")),
		act("link", "AssociateContactToCustomerProfile", `{"ProfileRequestData":{"ProfileId":"$.Customer.ProfileId","ContactId":"$.ContactId"}}`, onErr("done", "failed")),
		say("done", "$.Customer.FirstName from $.Customer.City, $.Customer.ProfileId", "end"),
		say("failed", "failed", "end"),
		hangup("end")))
	s := newSim(t, env)
	s.c.Attributes = map[string]string{"name": "Robin"}
	if got := lastSaid(s.call("main")); got != "Rob from Leeds, p1" {
		t.Fatalf("heard %q", got)
	}
	want := map[string]string{"ProfileId": "p1", "FirstName": "Rob", "PhoneNumber": "+447700900123", "Attributes.source": "ivr", "City": "Leeds"}
	if !maps.Equal(fake.byID["p1"], want) {
		t.Errorf("stored profile %v, want %v", fake.byID["p1"], want)
	}
	if fake.associated["c-1"] != "p1" {
		t.Errorf("associations %v", fake.associated)
	}
	// The trace shows the change to $.Customer.
	var changes []string
	for _, e := range s.effects {
		if tr, ok := e.(*Trace); ok {
			for _, ch := range tr.Changes {
				if ch.Scope == "Customer" {
					changes = append(changes, ch.Key+"="+ch.New)
				}
			}
		}
	}
	if got := strings.Join(changes, " "); got != "FirstName=Robin PhoneNumber=+447700900123 ProfileId=p1 City=Leeds FirstName=Rob" {
		t.Errorf("Customer changes %q", got)
	}
}

func TestProfileActionFailures(t *testing.T) {
	tests := []struct{ name, typ, params string }{
		{"update of an unknown profile", "UpdateCustomerProfile", `{"ProfileRequestData":{"ProfileId":"nobody","City":"Leeds"}}`},
		{"update without an id", "UpdateCustomerProfile", `{"ProfileRequestData":{"ProfileId":"$.Customer.ProfileId","City":"Leeds"}}`},
		{"associate an unknown profile", "AssociateContactToCustomerProfile", `{"ProfileRequestData":{"ProfileId":"nobody","ContactId":"$.ContactId"}}`},
		{"no request data", "GetCustomerProfile", `{"ProfileResponseData":["FirstName"]}`},
		{"a field that is not text", "CreateCustomerProfile", `{"ProfileRequestData":{"FirstName":["a"]}}`},
		{"too many identifiers", "GetCustomerProfile", `{"ProfileRequestData":{"LogicalOperator":"OR","SearchCriteria":[` +
			strings.Repeat(`{"IdentifierName":"_phone","IdentifierValue":"1"},`, 5) + `{"IdentifierName":"_phone","IdentifierValue":"1"}]}}`},
		{"an identifier over 255 characters", "GetCustomerProfile", `{"ProfileRequestData":{"IdentifierName":"_account","IdentifierValue":"` + strings.Repeat("1", 256) + `"}}`},
		{"a field over 255 characters", "CreateCustomerProfile", `{"ProfileRequestData":{"FirstName":"` + strings.Repeat("é", 256) + `"}}`},
		{"an object type over 255 characters", "GetCustomerProfileObject", `{"ProfileRequestData":{"ProfileId":"p-alex","UseLatest":"true","ObjectType":"` + strings.Repeat("t", 256) + `"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv()
			env.profiles = newFakeProfiles(alex)
			env.addFlow(t, "main", "CONTACT_FLOW", branchFlow(tt.typ, tt.params, nil, "NoMatchingError"))
			s := newSim(t, env)
			if got := lastSaid(s.call("main")); got != "err NoMatchingError" {
				t.Errorf("heard %q, want the NoMatchingError branch", got)
			}
		})
	}
}

func TestGetCustomerProfileObject(t *testing.T) {
	orders := []fakeObject{
		{"order", `{"orderId":"o-0","status":"open"}`},
		{"order", `{"orderId":"o-1","status":"shipped","total":12.5,"lines":[1,2],"ship":{"city":"Leeds"}}`},
		{"visit", `{"page":"/pricing"}`},
		{"order", `{"orderId":"o-2","status":"open","total":40,"gift":true,"note":null}`},
	}
	const ask = `["ObjectAttributes.orderId","ObjectAttributes.status","ObjectAttributes.total","ObjectAttributes.ship.city","ObjectAttributes.lines","ObjectAttributes.gift","ObjectAttributes.note","FirstName"]`
	const spoken = `order $.Customer.ObjectAttributes.orderId $.Customer.ObjectAttributes.status $.Customer.ObjectAttributes.total city $.Customer.ObjectAttributes.ship.city lines $.Customer.ObjectAttributes.lines gift $.Customer.ObjectAttributes.gift note $.Customer.ObjectAttributes.note of $.Customer.ProfileId`
	tests := []struct {
		name    string
		request string
		want    string
	}{
		{"latest", `{"ProfileId":"p-alex","ObjectType":"order","UseLatest":"true"}`,
			"order o-2 open 40 city  lines  gift true note  of p-alex"},
		{"latest as a JSON boolean", `{"ProfileId":"p-alex","ObjectType":"order","UseLatest":true}`,
			"order o-2 open 40 city  lines  gift true note  of p-alex"},
		{"by identifier", `{"ProfileId":"$.Customer.ProfileId","ObjectType":"order","IdentifierName":"orderId","IdentifierValue":"o-1"}`,
			"order o-1 shipped 12.5 city Leeds lines [1,2] gift  note  of p-alex"},
		{"latest of the identifier's matches", `{"ProfileId":"p-alex","ObjectType":"order","IdentifierName":"status","IdentifierValue":"open","UseLatest":"TRUE"}`,
			"order o-2 open 40 city  lines  gift true note  of p-alex"},
		{"latest beside an empty identifier", `{"ProfileId":"p-alex","ObjectType":"order","UseLatest":"true","IdentifierName":"","IdentifierValue":""}`,
			"order o-2 open 40 city  lines  gift true note  of p-alex"},
		{"none of that type", `{"ProfileId":"p-alex","ObjectType":"refund","UseLatest":"true"}`, "err NoneFoundError"},
		{"no such identifier value", `{"ProfileId":"p-alex","ObjectType":"order","IdentifierName":"orderId","IdentifierValue":"o-9"}`, "err NoneFoundError"},
		{"no such profile", `{"ProfileId":"p-nobody","ObjectType":"order","UseLatest":"true"}`, "err NoneFoundError"},
		{"several without UseLatest", `{"ProfileId":"p-alex","ObjectType":"order","IdentifierName":"status","IdentifierValue":"open","UseLatest":"false"}`,
			"err NoMatchingError"},
		{"neither UseLatest nor an identifier", `{"ProfileId":"p-alex","ObjectType":"order"}`, "err NoMatchingError"},
		{"UseLatest false and no identifier", `{"ProfileId":"p-alex","ObjectType":"order","UseLatest":"false"}`, "err NoMatchingError"},
		{"UseLatest not a boolean", `{"ProfileId":"p-alex","ObjectType":"order","UseLatest":"yes"}`, "err NoMatchingError"},
		{"no ObjectType", `{"ProfileId":"p-alex","UseLatest":"true"}`, "err NoMatchingError"},
		{"no ProfileId", `{"ObjectType":"order","UseLatest":"true"}`, "err NoMatchingError"},
		{"identifier without a value", `{"ProfileId":"p-alex","ObjectType":"order","IdentifierName":"orderId"}`, "err NoMatchingError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv()
			fake := newFakeProfiles(alex)
			fake.objects = map[string][]fakeObject{"p-alex": orders}
			env.profiles = fake
			env.addFlow(t, "main", "CONTACT_FLOW", doc(
				act("who", "GetCustomerProfile", `{"ProfileRequestData":{"IdentifierName":"_phone","IdentifierValue":"$.CustomerEndpoint.Address"},"ProfileResponseData":["FirstName"]}`, onErr("x", "err NoMatchingError")),
				act("x", "GetCustomerProfileObject", `{"ProfileRequestData":`+tt.request+`,"ProfileResponseData":`+ask+`}`,
					tr{next: "hello", errors: [][2]string{{"NoneFoundError", "err NoneFoundError"}, {"NoMatchingError", "err NoMatchingError"}}}),
				say("hello", spoken, "end"),
				say("err NoneFoundError", "err NoneFoundError", "end"),
				say("err NoMatchingError", "err NoMatchingError", "end"),
				hangup("end")))
			s := newSim(t, env)
			got := lastSaid(s.call("main"))
			if got != tt.want {
				t.Fatalf("heard %q, want %q", got, tt.want)
			}
			// The profile exposed before stays: the object is the same
			// profile's.
			if !strings.HasPrefix(got, "err") && s.c.Customer["FirstName"] != "Alex" {
				t.Errorf("$.Customer = %v, lost FirstName", s.c.Customer)
			}
		})
	}
}

// Hotline has no standard objects: asking for one faults the contact
// with a message that says so, rather than pretending none was found.
func TestGetCustomerProfileObjectStandardTypeFaults(t *testing.T) {
	env := newEnv()
	env.profiles = newFakeProfiles(alex)
	env.addFlow(t, "main", "CONTACT_FLOW", doc(
		act("x", "GetCustomerProfileObject", `{"ProfileRequestData":{"ProfileId":"p-alex","ObjectType":"Asset","UseLatest":"true"},"ProfileResponseData":["AssetStatus"]}`,
			tr{next: "end", errors: [][2]string{{"NoneFoundError", "end"}, {"NoMatchingError", "end"}}}),
		hangup("end")))
	s := newSim(t, env)
	s.call("main")
	if !strings.Contains(s.c.Fault, "standard Asset objects are not supported") {
		t.Errorf("fault %q", s.c.Fault)
	}
}

func TestGetCalculatedAttributesForCustomerProfile(t *testing.T) {
	tests := []struct {
		name, profile, want string
	}{
		{"asked for and present", "p-alex", "avg 42.5 count 3 missing  of p-alex"},
		{"none defined", "p-sam", "avg  count  missing  of p-sam"},
		{"no such profile", "p-nobody", "err NoneFoundError"},
		{"no profile id", "$.Attributes.missing", "err NoMatchingError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv()
			fake := newFakeProfiles(alex, sam)
			fake.calculated = map[string]map[string]string{"p-alex": {"_average_hold_time": "42.5", "orders": "3", "unasked": "x"}}
			env.profiles = fake
			env.addFlow(t, "main", "CONTACT_FLOW", doc(
				act("x", "GetCalculatedAttributesForCustomerProfile",
					`{"ProfileRequestData":{"ProfileId":"`+tt.profile+`"},"ProfileResponseData":["CalculatedAttributes._average_hold_time","CalculatedAttributes.orders","CalculatedAttributes.missing"]}`,
					tr{next: "hello", errors: [][2]string{{"NoneFoundError", "err NoneFoundError"}, {"NoMatchingError", "err NoMatchingError"}}}),
				say("hello", "avg $.Customer.CalculatedAttributes._average_hold_time count $.Customer.CalculatedAttributes.orders missing $.Customer.CalculatedAttributes.missing of $.Customer.ProfileId", "end"),
				say("err NoneFoundError", "err NoneFoundError", "end"),
				say("err NoMatchingError", "err NoMatchingError", "end"),
				hangup("end")))
			s := newSim(t, env)
			if got := lastSaid(s.call("main")); got != tt.want {
				t.Fatalf("heard %q, want %q", got, tt.want)
			}
			if _, ok := s.c.Customer["CalculatedAttributes.unasked"]; ok {
				t.Errorf("exposed an attribute ProfileResponseData does not ask for: %v", s.c.Customer)
			}
		})
	}
}

// The block's limits: a request value of 255 characters is taken, and a
// profile whose exposed fields would pass 14,000 characters is refused,
// leaving $.Customer as it was.
func TestProfileBlockLimits(t *testing.T) {
	big := map[string]string{"ProfileId": "p-big", "AccountNumber": strings.Repeat("9", 255)}
	var ask []string
	for i := range 56 {
		name := fmt.Sprintf("Attributes.a%02d", i)
		big[name] = strings.Repeat("x", 250)
		ask = append(ask, `"`+name+`"`)
	}
	run := func(fields []string) (heard string, customer map[string]string) {
		env := newEnv()
		env.profiles = newFakeProfiles(big)
		env.addFlow(t, "main", "CONTACT_FLOW", branchFlow("GetCustomerProfile",
			`{"ProfileRequestData":{"IdentifierName":"_account","IdentifierValue":"`+big["AccountNumber"]+`"},"ProfileResponseData":[`+strings.Join(fields, ",")+`]}`,
			nil, "NoMatchingError"))
		s := newSim(t, env)
		return lastSaid(s.call("main")), s.c.Customer
	}
	// 55 x 250 characters and the id fit.
	if heard, customer := run(ask[:55]); strings.HasPrefix(heard, "err") || len(customer) != 56 {
		t.Errorf("55 fields: heard %q, $.Customer has %d entries", heard, len(customer))
	}
	if heard, customer := run(ask); heard != "err NoMatchingError" || len(customer) != 0 {
		t.Errorf("56 fields: heard %q, $.Customer = %d entries, want the NoMatchingError branch and nothing exposed", heard, len(customer))
	}
}
