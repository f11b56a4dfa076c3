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
