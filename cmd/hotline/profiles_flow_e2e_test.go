package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
)

// greetFlow looks the caller up by phone and reads profile fields back
// through $.Customer.
const greetFlow = `{"Version":"2019-10-30","StartAction":"find","Actions":[
  {"Identifier":"find","Type":"GetCustomerProfile","Parameters":{
     "ProfileRequestData":{"IdentifierName":"_phone","IdentifierValue":"$.CustomerEndpoint.Address"},
     "ProfileResponseData":["AccountNumber","EmailAddress","Attributes.SubscriptionPlanType"]},
   "Transitions":{"NextAction":"link","Errors":[
     {"ErrorType":"NoneFoundError","NextAction":"stranger"},
     {"ErrorType":"MultipleFoundError","NextAction":"stranger"},
     {"ErrorType":"NoMatchingError","NextAction":"broken"}]}},
  {"Identifier":"link","Type":"AssociateContactToCustomerProfile","Parameters":{
     "ProfileRequestData":{"ProfileId":"$.Customer.ProfileId","ContactId":"$.ContactId"}},
   "Transitions":{"NextAction":"hello","Errors":[{"ErrorType":"NoMatchingError","NextAction":"broken"}]}},
  {"Identifier":"hello","Type":"MessageParticipant","Parameters":{"Text":"Hello account $.Customer.AccountNumber ($.Customer.EmailAddress), your $.Customer.Attributes.SubscriptionPlanType plan."},
   "Transitions":{"NextAction":"subscription","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
  {"Identifier":"subscription","Type":"GetCustomerProfileObject","Parameters":{
     "ProfileRequestData":{"ProfileId":"$.Customer.ProfileId","ObjectType":"PurchasedSubscription",
       "IdentifierName":"_account","IdentifierValue":"$.Customer.AccountNumber"},
     "ProfileResponseData":["ObjectAttributes.status","ObjectAttributes.price"]},
   "Transitions":{"NextAction":"offer","Errors":[
     {"ErrorType":"NoneFoundError","NextAction":"offer"},{"ErrorType":"NoMatchingError","NextAction":"broken"}]}},
  {"Identifier":"offer","Type":"GetCustomerProfileObject","Parameters":{
     "ProfileRequestData":{"ProfileId":"$.Customer.ProfileId","ObjectType":"MarketingAssignedOffers","UseLatest":"true"},
     "ProfileResponseData":["ObjectAttributes.offerName","ObjectAttributes.offerViewed"]},
   "Transitions":{"NextAction":"calculated","Errors":[
     {"ErrorType":"NoneFoundError","NextAction":"calculated"},{"ErrorType":"NoMatchingError","NextAction":"broken"}]}},
  {"Identifier":"calculated","Type":"GetCalculatedAttributesForCustomerProfile","Parameters":{
     "ProfileRequestData":{"ProfileId":"$.Customer.ProfileId"},
     "ProfileResponseData":["CalculatedAttributes.trial_days"]},
   "Transitions":{"NextAction":"details","Errors":[
     {"ErrorType":"NoneFoundError","NextAction":"details"},{"ErrorType":"NoMatchingError","NextAction":"broken"}]}},
  {"Identifier":"details","Type":"MessageParticipant","Parameters":{"Text":"Subscription $.Customer.ObjectAttributes.status at $.Customer.ObjectAttributes.price; offer $.Customer.ObjectAttributes.offerName, viewed $.Customer.ObjectAttributes.offerViewed; $.Customer.CalculatedAttributes.trial_days trial days."},
   "Transitions":{"NextAction":"bye","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
  {"Identifier":"stranger","Type":"MessageParticipant","Parameters":{"Text":"Hello, who is calling?"},
   "Transitions":{"NextAction":"bye","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
  {"Identifier":"broken","Type":"MessageParticipant","Parameters":{"Text":"Profiles are unavailable."},
   "Transitions":{"NextAction":"bye","Errors":[{"ErrorType":"NoMatchingError","NextAction":"bye"}]}},
  {"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`

// TestProfilesInFlows replays seed 002 with the AWS CLI, defines a
// calculated attribute, puts the offer object again as it occurs later with
// the customer's phone, links the domain to the instance with `hotline
// profiles link`, and calls: the flow knows who is calling, and reads their
// objects and calculated attributes.
func TestProfilesInFlows(t *testing.T) {
	bin := hotline(t)
	s := startServe(t, bin, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Seed 002, verbatim, through the AWS CLI.
	var seed struct {
		ObjectTypes []map[string]any `json:"objectTypes"`
		Objects     []struct {
			ObjectTypeName string
			Object         map[string]any
		} `json:"objects"`
	}
	b, err := os.ReadFile("../../internal/profiles/testdata/seed002.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &seed); err != nil {
		t.Fatal(err)
	}
	const domain = "my-domain-name"
	s.aws(t, "customer-profiles", "create-domain", "--domain-name", domain, "--default-expiration-days", "365")
	for _, typ := range seed.ObjectTypes {
		typ["DomainName"] = domain
		file := filepath.Join(t.TempDir(), "type.json")
		b, _ := json.Marshal(typ)
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		s.aws(t, "customer-profiles", "put-profile-object-type", "--cli-input-json", "file://"+file)
	}
	put := func(typ string, obj map[string]any) {
		b, _ := json.Marshal(obj)
		s.aws(t, "customer-profiles", "put-profile-object", "--domain-name", domain, "--object-type-name", typ, "--object", string(b))
	}
	for _, o := range seed.Objects {
		put(o.ObjectTypeName, o.Object)
	}
	s.aws(t, "customer-profiles", "create-calculated-attribute-definition", "--domain-name", domain,
		"--calculated-attribute-name", "trial_days", "--statistic", "SUM", "--use-historical-data",
		"--attribute-details", `{"Attributes":[{"Name":"trialdays"}],"Expression":"{TrialSubscription.trialdays}"}`)
	put("MarketingAssignedOffers", map[string]any{"UserId": "00001", "email": "test@test.com", "phone": "+44 (7700) 900-123",
		"offerName": "30% Renewal", "offerViewed": "true"})

	cc := connect.NewFromConfig(aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(s.endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	fl, err := cc.CreateContactFlow(ctx, &connect.CreateContactFlowInput{InstanceId: aws.String(s.instance),
		Name: aws.String("Who is calling"), Type: types.ContactFlowTypeContactFlow, Content: aws.String(greetFlow)})
	if err != nil {
		t.Fatal(err)
	}
	const number = "+442071230100"
	claimed, err := cc.ClaimPhoneNumber(ctx, &connect.ClaimPhoneNumberInput{TargetArn: aws.String(instanceARN(s.instance)), PhoneNumber: aws.String(number)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cc.AssociatePhoneNumberContactFlow(ctx, &connect.AssociatePhoneNumberContactFlowInput{
		PhoneNumberId: claimed.PhoneNumberId, InstanceId: aws.String(s.instance), ContactFlowId: fl.ContactFlowId}); err != nil {
		t.Fatal(err)
	}
	hear := func(from string) string {
		t.Helper()
		r := callJSON(t, bin, s, 0, number, "--from", from)
		return strings.Join(r.prompts(), " | ")
	}
	cli := func(wantOK bool, args ...string) string {
		t.Helper()
		out, err := hotlineCmd(bin, s, args...).CombinedOutput()
		if (err == nil) != wantOK {
			t.Fatalf("hotline %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	// Before the link the actions have no domain and take their error branch.
	if got := hear("+447700900123"); got != "Profiles are unavailable." {
		t.Errorf("unlinked: heard %q", got)
	}
	if out := cli(false, "profiles", "link"); !strings.Contains(out, "ResourceNotFoundException") {
		t.Errorf("showing a missing link: %s", out)
	}
	if out := cli(false, "profiles", "link", "no-such-domain"); !strings.Contains(out, "ResourceNotFoundException") {
		t.Errorf("linking a missing domain: %s", out)
	}
	if out := cli(true, "profiles", "link", domain, "--instance", instanceARN(s.instance)); !strings.Contains(out, "now uses Customer Profiles domain "+domain) {
		t.Errorf("link printed %s", out)
	}
	if out := cli(true, "profiles", "link"); !strings.Contains(out, "instance "+s.instance+" uses Customer Profiles domain "+domain) {
		t.Errorf("link printed %s", out)
	}

	// The phone was written "+44 (7700) 900-123" in the object; the caller's
	// E.164 number finds it.
	if got, want := hear("+447700900123"), "Hello account 00001 (test@test.com), your Professional plan. | "+
		"Subscription Active at $99.99; offer 30% Renewal, viewed true; 90 trial days."; got != want {
		t.Errorf("known caller heard %q, want %q", got, want)
	}
	if got := hear("+447700900999"); got != "Hello, who is calling?" {
		t.Errorf("unknown caller heard %q", got)
	}

	cli(true, "profiles", "link", "--unlink")
	if got := hear("+447700900123"); got != "Profiles are unavailable." {
		t.Errorf("after unlink: heard %q", got)
	}
}
