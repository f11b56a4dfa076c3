package flowconfig_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/flowconfig"
	"github.com/hotline-dev/hotline/internal/store/bolt"
)

const (
	inst     = "11111111-2222-3333-4444-555555555555"
	other    = "99999999-2222-3333-4444-555555555555"
	instARN  = "arn:aws:connect:us-east-1:000000000000:instance/" + inst
	queueARN = instARN + "/queue/q-sales"
	flowARN  = instARN + "/contact-flow/f-info"
)

// fakeResolver knows a fixed set of instances, queues and flows.
type fakeResolver struct {
	instances map[string]bool
	queues    map[string]bool // "<instance>|<name or ARN>"
	flows     map[string]bool
	err       error // answered by QueueExists and FlowExists when set
	calls     int
}

func newResolver() *fakeResolver {
	r := &fakeResolver{instances: map[string]bool{inst: true, other: true}, queues: map[string]bool{}, flows: map[string]bool{}}
	for _, q := range []string{"Sales", "Support", queueARN} {
		r.queues[inst+"|"+q] = true
	}
	for _, f := range []string{"Info", flowARN} {
		r.flows[inst+"|"+f] = true
	}
	return r
}

func (r *fakeResolver) InstanceID(_ context.Context, ref string) (string, error) {
	id := ref
	if strings.HasPrefix(ref, "arn:") {
		_, id, _ = strings.Cut(ref, ":instance/")
	}
	if !r.instances[id] {
		return "", apierr.New("ResourceNotFoundException", "instance %s was not found", ref)
	}
	return id, nil
}

func (r *fakeResolver) QueueExists(_ context.Context, instanceID, ref string) (bool, error) {
	r.calls++
	return r.queues[instanceID+"|"+ref], r.err
}

func (r *fakeResolver) FlowExists(_ context.Context, instanceID, ref string) (bool, error) {
	r.calls++
	return r.flows[instanceID+"|"+ref], r.err
}

// newService returns a Service over a fresh store, and the store.
func newService(t testing.TB, r flowconfig.Resolver) (*flowconfig.Service, *bolt.DB) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "hotline.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return flowconfig.New(db, r, nil), db
}

// item builds an item from pairs of attribute name and value.
func item(pk, rt string, kv ...string) flowconfig.Item {
	it := flowconfig.Item{"Primary_Key": pk, "Resource_Type": rt}
	for i := 0; i+1 < len(kv); i += 2 {
		it[kv[i]] = kv[i+1]
	}
	return it
}

// with returns a copy of it with attributes set ("" keeps an attribute
// empty; "-" removes it).
func with(it flowconfig.Item, kv ...string) flowconfig.Item {
	c := flowconfig.Item{}
	for k, v := range it {
		c[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "-" {
			delete(c, kv[i])
		} else {
			c[kv[i]] = kv[i+1]
		}
	}
	return c
}

// A small valid table: a number leading to a menu whose options lead to
// the other menu, a queue and a flow.
var (
	validDelivery = item("+442079460100", "DeliveryId",
		"Queue_DeliveryId_DefaultQueue", "Sales",
		"Flag_DeliveryId_NextActionType", "steeringmenu",
		"Flag_DeliveryId_NextActionValue", "Main",
		"Prompt_DeliveryId_Welcome", "Welcome.",
		"Prompt_DeliveryId_WelcomeAdHoc", "",
		"Flag_DeliveryId_CustomerProfiles", "enabled")
	validMenu = item("Main", "SteeringMenu",
		"Prompt_SteeringMenu_PreMenuOptions", "Listen carefully.",
		"Prompt_SteeringMenu_MenuOptions", "Press 1 for sales, 2 for more.",
		"Prompt_SteeringMenu_Retry", "Sorry.",
		"Flag_SteeringMenu_Retries", "3",
		"Flag_SteeringMenu_NextActionType_1", "queue",
		"Flag_SteeringMenu_NextActionValue_1", "Sales",
		"Flag_SteeringMenu_NextActionPrompt_1", "Putting you through.",
		"Flag_SteeringMenu_NextActionType_2", "steeringmenu",
		"Flag_SteeringMenu_NextActionValue_2", "More",
		"Flag_SteeringMenu_NextActionType_Star", "steeringmenu",
		"Flag_SteeringMenu_NextActionValue_Star", "Main",
		"Flag_SteeringMenu_NextActionType_Default", "queue",
		"Flag_SteeringMenu_NextActionValue_Default", queueARN)
	validMore = item("More", "SteeringMenu",
		"Prompt_SteeringMenu_MenuOptions", "Press 1 for information, 2 for our partner, hash to go back.",
		"Flag_SteeringMenu_NextActionType_1", "flow",
		"Flag_SteeringMenu_NextActionValue_1", "Info",
		"Flag_SteeringMenu_NextActionType_2", "external",
		"Flag_SteeringMenu_NextActionValue_2", "+442079460999",
		"Flag_SteeringMenu_NextActionType_3", "disconnect",
		"Flag_SteeringMenu_NextActionType_Hash", "steeringmenu",
		"Flag_SteeringMenu_NextActionValue_Hash", "Main",
		"Flag_SteeringMenu_NextActionType_Default", "disconnect",
		"Flag_SteeringMenu_NextActionValue_Default", "Goodbye.")
	validQueue = item("Sales", "Queue",
		"Flag_Queue_ContactRecording", "enabled",
		"Flag_Queue_ScreenRecording", "disabled",
		"Flag_Queue_Analytics", "realtime",
		"Flag_Queue_Redaction", "RedactedAndOriginal",
		"Flag_Queue_Timezone", "Europe/London",
		"Prompt_Queue_WhisperAgent", "Sales call",
		"Prompt_Queue_WhisperCustomer", "Connecting you with $.Agent.FirstName",
		"Prompt_Queue_PreQueue", "Calls are recorded.",
		"Flag_Queue_OutOfHourActionType", "steeringmenu",
		"Flag_Queue_OutOfHourActionValue", "More")
)

func validTable() []flowconfig.Item {
	return []flowconfig.Item{validDelivery, validMenu, validMore, validQueue}
}
