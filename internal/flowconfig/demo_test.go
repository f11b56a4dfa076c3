package flowconfig_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/hotline-dev/hotline/internal/flowconfig"
)

// The demo's instance must have exactly these; the server's demo set-up
// creates them.
var (
	demoQueues = []string{"HarbourBikes_Default", "HarbourBikes_Sales", "HarbourBikes_Sales_Online",
		"HarbourBikes_Sales_Store", "HarbourBikes_Service", "HarbourBikes_Service_Repairs"}
	demoFlows = []string{"HarbourBikes_Information"}
)

func TestDemoItemsPassCheck(t *testing.T) {
	items, err := flowconfig.DemoItems()
	if err != nil {
		t.Fatal(err)
	}
	queues, flows, err := flowconfig.DemoReferences()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(queues, demoQueues) || !reflect.DeepEqual(flows, demoFlows) {
		t.Fatalf("the demo refers to queues %v and flows %v; want %v and %v", queues, flows, demoQueues, demoFlows)
	}
	r := &fakeResolver{instances: map[string]bool{inst: true}, queues: map[string]bool{}, flows: map[string]bool{}}
	for _, q := range demoQueues {
		r.queues[inst+"|"+q] = true
	}
	for _, f := range demoFlows {
		r.flows[inst+"|"+f] = true
	}
	ps, err := flowconfig.CheckItems(context.Background(), r, inst, items)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 0 {
		t.Fatalf("the demo items have problems:\n%s", list(ps))
	}

	// Through the service too: an unforced import into an instance with
	// those queues and flows.
	s, _ := newService(t, r)
	if res, err := s.Import(context.Background(), inst, items, false); err != nil || res.Imported != len(items) {
		t.Fatalf("import = %+v, %v", res, err)
	}
}

// The demo shows every feature the journey tests exercise; these are the
// promises they rely on.
func TestDemoCoversTheSchema(t *testing.T) {
	items, err := flowconfig.DemoItems()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	used := map[string]bool{} // "<type attr family>:<value>" and features
	for _, it := range items {
		count[it.ResourceType()]++
		for k, v := range it {
			switch {
			case strings.HasPrefix(k, "Flag_SteeringMenu_NextActionType_"):
				used["menu:"+v] = true
				used["option:"+strings.TrimPrefix(k, "Flag_SteeringMenu_NextActionType_")] = true
			case strings.HasPrefix(k, "Flag_SteeringMenu_NextActionPrompt_"):
				used["option prompt"] = true
			case k == "Flag_Queue_OutOfHourActionType":
				used["ooh:"+v] = true
			case k == "Flag_Queue_Analytics", k == "Flag_Queue_ContactRecording", k == "Flag_Queue_Redaction":
				used[k+":"+v] = true
			case strings.HasPrefix(v, "<speak>"):
				used["ssml"] = true
			}
		}
	}
	if count["DeliveryId"] != 1 || count["SteeringMenu"] != 3 || count["Queue"] != 6 || len(items) != 10 {
		t.Errorf("the demo has %v", count)
	}
	for _, f := range []string{
		"menu:queue", "menu:steeringmenu", "menu:flow", "menu:external", "menu:disconnect",
		"option:Star", "option:Hash", "option:Default", "option:0", "option prompt", "ssml",
		"ooh:queue", "ooh:steeringmenu", "ooh:flow", "ooh:disconnect",
		"Flag_Queue_Analytics:postcall", "Flag_Queue_Analytics:realtime", "Flag_Queue_Analytics:disabled",
		"Flag_Queue_ContactRecording:enabled", "Flag_Queue_ContactRecording:disabled",
		"Flag_Queue_Redaction:Redacted", "Flag_Queue_Redaction:RedactedAndOriginal",
	} {
		if !used[f] {
			t.Errorf("the demo does not show %s", f)
		}
	}
}
