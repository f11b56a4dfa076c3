package interp

import (
	"errors"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/flow"
)

// Compare branches on one value (reference §4.2).
func (r *run) compare(a *flow.Action) outcome {
	v, present, err := r.get(&a.Params, "ComparisonValue")
	if err != nil {
		return failure(err.Error())
	}
	if !present {
		return failure("no ComparisonValue")
	}
	r.param("ComparisonValue", v)
	return result(v, "")
}

// CheckHoursOfOperation branches on "True" (open) or "False" (reference §7).
func (r *run) checkHours(a *flow.Action) outcome {
	ref, given, err := r.get(&a.Params, "HoursOfOperationId")
	if err != nil {
		return failure(err.Error())
	}
	if !given || ref == "" {
		if r.c.Queue.ID == "" {
			return failure("no HoursOfOperationId and no working queue")
		}
		q, err := r.queue(r.c.Queue.ID)
		if err != nil {
			return failure(err.Error())
		}
		if q.HoursID == "" {
			return failure("the working queue " + q.Name + " has no hours of operation (an agent queue?)")
		}
		ref = q.HoursID
	}
	r.param("HoursOfOperationId", ref)
	h, err := r.env.Hours(ref)
	if err == nil && h == nil {
		err = ErrNotFound
	}
	if err != nil {
		return failure("hours of operation " + ref + ": " + err.Error())
	}
	if h.Location == nil {
		return failure("hours of operation " + ref + " has no time zone")
	}
	local := r.now.In(h.Location)
	if isOpen(h, r.now) {
		return result("True", "open at "+local.Format("Monday 15:04 MST"))
	}
	return result("False", "closed at "+local.Format("Monday 15:04 MST"))
}

// isOpen applies the schedule at t in the hours' time zone: start
// inclusive, end exclusive, an end at or before the start (00:00 included)
// on the next day (reference §7).
func isOpen(h *Hours, t time.Time) bool {
	lt := t.In(h.Location)
	m := lt.Hour()*60 + lt.Minute()
	day := lt.Weekday()
	prev := (day + 6) % 7
	for _, s := range h.Config {
		start, end := s.Start.minutes(), s.End.minutes()
		overnight := end <= start
		switch {
		case s.Day == day && !overnight && m >= start && m < end:
			return true
		case s.Day == day && overnight && m >= start:
			return true
		case s.Day == prev && overnight && m < end:
			return true
		}
	}
	return false
}

// metricQueue is the queue a metric action is about: QueueId, AgentId, or
// the working queue.
func (r *run) metricQueue(a *flow.Action) (*Queue, error) {
	if ref, ok, err := r.get(&a.Params, "QueueId"); err != nil {
		return nil, err
	} else if ok && ref != "" {
		r.param("QueueId", ref)
		return r.queue(ref)
	}
	if ref, ok, err := r.get(&a.Params, "AgentId"); err != nil {
		return nil, err
	} else if ok && ref != "" {
		r.param("AgentId", ref)
		q, err := r.env.AgentQueue(ref)
		if err == nil && q == nil {
			err = ErrNotFound
		}
		if err != nil {
			return nil, errors.New("agent " + ref + ": " + err.Error())
		}
		return q, nil
	}
	if r.c.Queue.ID == "" {
		return nil, errors.New("no QueueId or AgentId and no working queue")
	}
	return r.queue(r.c.Queue.ID)
}

func (r *run) queue(ref string) (*Queue, error) {
	q, err := r.env.Queue(ref)
	if err == nil && q == nil {
		err = ErrNotFound
	}
	if err != nil {
		return nil, errors.New("queue " + ref + ": " + err.Error())
	}
	return q, nil
}

func (r *run) metrics(q *Queue) (Metrics, error) {
	m, err := r.env.QueueMetrics(q.ID)
	if err != nil {
		return m, errors.New("metrics of queue " + q.Name + ": " + err.Error())
	}
	return m, nil
}

// CheckMetricData branches on one metric of a queue (reference §4.2).
func (r *run) checkMetric(a *flow.Action) outcome {
	mt, _ := static(&a.Params, "MetricType")
	r.param("MetricType", mt)
	q, err := r.metricQueue(a)
	if err != nil {
		return failure(err.Error())
	}
	m, err := r.metrics(q)
	if err != nil {
		return failure(err.Error())
	}
	var n int
	switch mt {
	case "NumberOfAgentsAvailable":
		n = m.AgentsAvailable
	case "NumberOfAgentsStaffed":
		n = m.AgentsStaffed
	case "NumberOfAgentsOnline":
		n = m.AgentsOnline
	case "OldestContactInQueueAgeSeconds":
		n = int(m.OldestContactAge / time.Second)
	case "NumberOfContactsInQueue":
		n = m.ContactsInQueue
	default:
		return failure("unknown MetricType " + quote(mt))
	}
	return result(strconv.Itoa(n), mt+" of queue "+q.Name)
}

// GetMetricData loads $.Metrics for a queue (reference §4.2, §5).
func (r *run) getMetrics(a *flow.Action) outcome {
	q, err := r.metricQueue(a)
	if err != nil {
		return failure(err.Error())
	}
	m, err := r.metrics(q)
	if err != nil {
		return failure(err.Error())
	}
	num := func(n int) Data { return Data{kind: dataNumber, text: strconv.Itoa(n)} }
	count := func(n int) Data { return makeObject([]string{"Count"}, []Data{num(n)}) }
	agents := makeObject(
		[]string{"Online", "Available", "Staffed", "AfterContactWork", "Busy", "Missed", "NonProductive"},
		[]Data{count(m.AgentsOnline), count(m.AgentsAvailable), count(m.AgentsStaffed), count(m.AgentsAfterContactWork),
			count(m.AgentsBusy), count(m.AgentsMissed), count(m.AgentsNonProductive)})
	queue := makeObject([]string{"Name", "ARN", "Size", "OldestContactAge"},
		[]Data{{kind: dataString, text: q.Name}, {kind: dataString, text: q.ARN}, num(m.ContactsInQueue), num(int(m.OldestContactAge / time.Second))})
	d := makeObject([]string{"Queue", "Agents"}, []Data{queue, agents})
	r.c.top().Metrics = &d
	r.change("Metrics", "Queue.Size", "", strconv.Itoa(m.ContactsInQueue))
	return next("metrics of queue " + q.Name + " loaded")
}

// DistributeByPercentage draws 1–100 from the contact's own random source
// and branches on it with the NumberLessThan chain (reference §4.2).
func (r *run) distribute() outcome {
	n := r.c.percent()
	return result(strconv.Itoa(n), "drew "+strconv.Itoa(n)+" of 100")
}

// percent returns a number from 1 to 100 from the contact's splitmix64
// stream, seeded from ContactID: every contact draws the same numbers on
// every run, whatever other contacts do meanwhile.
func (c *Contact) percent() int {
	if c.Rand == 0 {
		h := fnv.New64a()
		h.Write([]byte(c.ContactID))
		c.Rand = h.Sum64() | 1
	}
	c.Rand += 0x9E3779B97F4A7C15
	z := c.Rand
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	z ^= z >> 31
	return int(z%100) + 1
}

// Loop returns ContinueLooping LoopCount times, then DoneLooping once and
// starts over, per action identifier in the frame (reference §4.2, §11.7).
func (r *run) loopAction(a *flow.Action) outcome {
	s, present, err := r.get(&a.Params, "LoopCount")
	if err != nil {
		return failure(err.Error())
	}
	if !present {
		return failure("no LoopCount")
	}
	n, ok := wholeNumber(s)
	if !ok || n < 0 || n > 100 {
		return failure("LoopCount " + quote(s) + " is not a whole number from 0 to 100")
	}
	r.param("LoopCount", strconv.Itoa(n))
	fr := r.c.top()
	done := fr.Loops[a.Identifier]
	if done < n {
		if fr.Loops == nil {
			fr.Loops = make(map[string]int, 2)
		}
		fr.Loops[a.Identifier] = done + 1
		return result("ContinueLooping", "iteration "+strconv.Itoa(done+1)+" of "+strconv.Itoa(n))
	}
	delete(fr.Loops, a.Identifier)
	return result("DoneLooping", "all "+strconv.Itoa(n)+" iterations done; the counter starts over")
}

// maxWait is the longest Wait (reference §10).
const maxWait = 604800 * time.Second

// Wait parks the contact until its time limit passes (reference §4.2: real
// exports say TimeLimitSeconds, the documentation TimeoutSeconds).
func (r *run) wait(a *flow.Action) outcome {
	name := "TimeLimitSeconds"
	if _, ok := a.Params.ValueOf(name); !ok {
		name = "TimeoutSeconds"
	}
	s, present, err := r.get(&a.Params, name)
	if err != nil {
		return failure(err.Error())
	}
	if !present {
		return failure("no TimeLimitSeconds or TimeoutSeconds")
	}
	f, ok := flow.ParseNumber(s)
	d := time.Duration(f * float64(time.Second))
	if !ok || d <= 0 || d > maxWait {
		return failure(name + " " + quote(s) + " is not a number of seconds from 1 to 604800")
	}
	r.param(name, d.String())
	r.park(WaitTimer, r.now.Add(d))
	return park("waiting " + d.String())
}

// TransferToFlow abandons the current flow for another; everything flow
// local goes with it (reference §4.2).
func (r *run) transferToFlow(a *flow.Action) outcome {
	ref, present, err := r.get(&a.Params, "ContactFlowId")
	if err != nil {
		return failure(err.Error())
	}
	if !present || ref == "" {
		return failure("no ContactFlowId")
	}
	r.param("ContactFlowId", ref)
	def, err := r.env.Flow(ref)
	if err == nil && (def == nil || def.Flow == nil) {
		err = ErrNotFound
	}
	if err != nil {
		return failure("flow " + ref + ": " + err.Error())
	}
	id := def.ID
	if id == "" {
		id = ref
	}
	c := r.c
	for i := range c.Frames {
		c.Frames[i] = Frame{}
	}
	c.Frames = append(c.Frames[:0], Frame{FlowID: id})
	r.def = def
	return outcome{kind: outJump, why: "transferred to flow " + flowName(def, id)}
}

func flowName(def *FlowDef, id string) string {
	if def.Name != "" {
		return quote(def.Name) + " (" + id + ")"
	}
	return id
}

// InvokeFlowModule runs a module with a fresh flow-local scope; it returns
// to this action (reference §4.3).
func (r *run) invokeModule(a *flow.Action) outcome {
	ref, present, err := r.get(&a.Params, "FlowModuleId")
	if err != nil {
		return failure(err.Error())
	}
	if !present || ref == "" {
		return failure("no FlowModuleId")
	}
	r.param("FlowModuleId", ref)
	if r.c.top().Module {
		return failure("a module cannot invoke another module")
	}
	def, err := r.env.Module(ref)
	if err == nil && (def == nil || def.Flow == nil) {
		err = ErrNotFound
	}
	if err != nil {
		return failure("module " + ref + ": " + err.Error())
	}
	if def.Flow.StartAction < 0 || def.Flow.StartAction >= len(def.Flow.Actions) {
		return failure("module " + ref + " has no start action")
	}
	id := def.ID
	if id == "" {
		id = ref
	}
	r.c.Frames = append(r.c.Frames, Frame{FlowID: id, Module: true})
	r.def = def
	return outcome{kind: outJump, why: "invoked module " + flowName(def, id)}
}

// UpdateFlowAttributes writes $.FlowAttributes, all or nothing.
func (r *run) updateFlowAttributes(a *flow.Action) outcome {
	fa, ok := a.Params.Get("FlowAttributes")
	if !ok || fa.Kind != flow.ParamObject {
		return failure("no FlowAttributes object")
	}
	vals := make([]string, len(fa.Fields))
	for i := range fa.Fields {
		f := &fa.Fields[i]
		var v flow.Value
		switch f.Param.Kind {
		case flow.ParamObject:
			v, ok = f.Param.ValueOf("Value")
			if !ok {
				return failure("FlowAttributes." + f.Name + " has no Value")
			}
		case flow.ParamString, flow.ParamNumber, flow.ParamBool:
			v = f.Param.Value
		default:
			return failure("FlowAttributes." + f.Name + " must be {\"Value\": ...}")
		}
		s, err := r.value(v)
		if err != nil {
			return failure("FlowAttributes." + f.Name + ": " + err.Error())
		}
		vals[i] = s
	}
	fr := r.c.top()
	if fr.FlowAttributes == nil {
		fr.FlowAttributes = make(map[string]string, len(vals))
	}
	for i := range fa.Fields {
		k := fa.Fields[i].Name
		r.change("FlowAttributes", k, fr.FlowAttributes[k], vals[i])
		fr.FlowAttributes[k] = vals[i]
	}
	return next("")
}

// UpdateFlowLoggingBehavior switches flow logs for the rest of the contact.
func (r *run) flowLogging(a *flow.Action) outcome {
	s, _ := static(&a.Params, "FlowLoggingBehavior")
	r.param("FlowLoggingBehavior", s)
	switch {
	case strings.EqualFold(s, "Enabled"):
		r.c.FlowLogging = true
	case strings.EqualFold(s, "Disabled"):
		r.c.FlowLogging = false
	default:
		return next("FlowLoggingBehavior " + quote(s) + " is neither Enabled nor Disabled; nothing changed")
	}
	return next("")
}
