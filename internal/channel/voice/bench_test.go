package voice

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// benchFlow is the 20 actions of bench/calls's menu call.
func benchFlow() string {
	return doc(
		act("log", "UpdateFlowLoggingBehavior", `{"FlowLoggingBehavior":"Enabled"}`, "rec"),
		act("rec", "UpdateContactRecordingBehavior", `{"RecordingBehavior":{"RecordedParticipants":["Agent","Customer"]}}`, "voice"),
		act("voice", "UpdateContactTextToSpeechVoice", `{"TextToSpeechVoice":"Amy"}`, "caller"),
		act("caller", "UpdateContactAttributes", `{"Attributes":{"caller":"$.CustomerEndpoint.Address","dialled":"$.SystemEndpoint.Address"}}`, "lookup", "NoMatchingError", "end"),
		act("lookup", "InvokeLambdaFunction", `{"LambdaFunctionARN":"arn:aws:lambda:eu-west-2:123456789012:function:lookup","InvocationTimeLimitSeconds":"3","LambdaInvocationAttributes":{"phone":"$.CustomerEndpoint.Address"},"ResponseValidation":{"ResponseType":"STRING_MAP"}}`, "save", "NoMatchingError", "end"),
		act("save", "UpdateContactAttributes", `{"Attributes":{"name":"$.External.Name","tier":"$.External.Tier"}}`, "vip", "NoMatchingError", "end"),
		act("vip", "Compare", `{"ComparisonValue":"$.Attributes.tier"}`, "greet", "Equals:gold", "greet", "NoMatchingCondition", "greet"),
		say("greet", "Hello $.External.Name, thanks for calling.", "hours"),
		act("hours", "CheckHoursOfOperation", `{"HoursOfOperationId":"office"}`, "end", "Equals:True", "menu", "Equals:False", "menu", "NoMatchingError", "end"),
		act("menu", "GetParticipantInput", `{"Text":"Press 1 for billing or 2 for sales.","InputTimeLimitSeconds":"5","StoreInput":"False"}`, "end",
			"Equals:1", "acct", "Equals:2", "acct", "InputTimeLimitExceeded", "end", "NoMatchingCondition", "end", "NoMatchingError", "end"),
		act("acct", "GetParticipantInput", `{"Text":"Enter your account number, then press hash.","StoreInput":"True","InputTimeLimitSeconds":"5","InputValidation":{"CustomValidation":{"MaximumLength":"8"}}}`, "timeout?", "NoMatchingError", "end"),
		act("timeout?", "Compare", `{"ComparisonValue":"$.StoredCustomerInput"}`, "fa", "Equals:Timeout", "end", "NoMatchingCondition", "fa"),
		act("fa", "UpdateFlowAttributes", `{"FlowAttributes":{"account":{"Value":"$.StoredCustomerInput"}}}`, "store", "NoMatchingError", "end"),
		act("store", "UpdateContactAttributes", `{"Attributes":{"account":"$.FlowAttributes.account"}}`, "split", "NoMatchingError", "end"),
		act("split", "DistributeByPercentage", `{}`, "set-queue", "NumberLessThan:101", "set-queue", "NoMatchingCondition", "set-queue"),
		act("set-queue", "UpdateContactTargetQueue", `{"QueueId":"q-sales"}`, "prio", "NoMatchingError", "end"),
		act("prio", "UpdateContactRoutingBehavior", `{"QueuePriority":"2"}`, "confirm", "NoMatchingError", "end"),
		say("confirm", "Thank you $.Attributes.name, account $.Attributes.account.", "bye"),
		say("bye", "Goodbye.", "end"),
		bye("end"),
	)
}

// BenchmarkCall runs whole simulated calls through the 20-action menu with
// the test Env, a fake function and a recorder that encodes every record:
// the simulator's own cost. go test -bench Call -cpu 2 ./internal/channel/voice
func BenchmarkCall(b *testing.B) {
	r := newRig(b)
	r.env.add(b, "main", "CONTACT_FLOW", benchFlow())
	r.fns.fns["lookup"] = func([]byte) ([]byte, error) { return []byte(`{"Name":"Ann","Tier":"gold"}`), nil }
	r.sim.cfg.NewID = nil
	r.sim = New(r.sim.cfg)
	rec := &nopRecorder{}
	r.sim.cfg.Recorder = rec
	s := Script{Presses: []string{"1", "12345678"}}
	check, err := r.sim.Run(context.Background(), &Call{To: testNumber, At: monday10, Script: s})
	if err != nil || check.Attributes["account"] != "12345678" || check.Report.Outcome.Disposition != Disconnected {
		b.Fatalf("%v %v\n%s", err, check.Attributes, dump(check))
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.sim.Run(context.Background(), &Call{To: testNumber, At: monday10, Script: s}); err != nil {
				b.Error(err)
			}
		}
	})
	// CPU time, not wall time: the figure holds on a busy machine.
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
