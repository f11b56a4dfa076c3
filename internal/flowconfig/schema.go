package flowconfig

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Flag_Queue_Timezone must not depend on the host's zoneinfo

	"github.com/hotline-dev/hotline/internal/lambda"
	"github.com/hotline-dev/hotline/internal/store"
)

// Severity says whether a problem stops an import.
type Severity string

// The severities of a problem.
const (
	// SeverityError is a value the flows cannot act on: it refuses an
	// import unless forced.
	SeverityError Severity = "error"
	// SeverityWarning is something the flows ignore, such as an attribute
	// the schema does not have (often a misspelt one).
	SeverityWarning Severity = "warning"
)

// Problem is one finding of Check, naming the item and the attribute.
type Problem struct {
	PrimaryKey   string   `json:"Primary_Key"`
	ResourceType string   `json:"Resource_Type"`
	Attribute    string   `json:"Attribute,omitempty"` // "" for the item as a whole
	Severity     Severity `json:"Severity"`
	Message      string   `json:"Message"`
}

func (p Problem) String() string {
	s := describe(p.PrimaryKey, p.ResourceType)
	if p.Attribute != "" {
		s += " " + p.Attribute
	}
	s += ": " + p.Message
	if p.Severity == SeverityWarning {
		s = "warning: " + s
	}
	return s
}

func countErrors(ps []Problem) int {
	n := 0
	for _, p := range ps {
		if p.Severity == SeverityError {
			n++
		}
	}
	return n
}

// Next action types: where a contact goes next.
const (
	ActionQueue        = "queue"
	ActionSteeringMenu = "steeringmenu"
	ActionFlow         = "flow"
	ActionExternal     = "external"
	ActionDisconnect   = "disconnect"
	// ActionPrompt is allowed only by a steering menu's out-of-hours rule,
	// as the seed's schema gives it.
	ActionPrompt = "prompt"
)

// Allowed values, in the order messages list them.
var (
	nextActionTypes      = []string{ActionQueue, ActionSteeringMenu, ActionFlow, ActionExternal, ActionDisconnect}
	queueOutOfHourTypes  = []string{ActionQueue, ActionSteeringMenu, ActionFlow, ActionDisconnect}
	menuOutOfHourTypes   = []string{ActionQueue, ActionPrompt, ActionFlow, ActionDisconnect}
	enabledDisabled      = []string{"enabled", "disabled"}
	analyticsValues      = []string{"postcall", "realtime", "disabled"}
	redactionValues      = []string{"RedactedAndOriginal", "Redacted"}
	retryValues          = []string{"0", "1", "2", "3"}
	knownTypes           = []string{TypeDeliveryID, TypeSteeringMenu, TypeQueue}
	schemaPrefixes       = []string{"Flag_", "Prompt_", "Queue_"}
	menuOptions          = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "Star", "Hash", "Default"}
	menuOptionAttrPrefix = []string{menuType, menuValue, menuPrompt}
)

// Attribute names.
const (
	deliveryDefaultQueue = "Queue_DeliveryId_DefaultQueue"
	deliveryType         = "Flag_DeliveryId_NextActionType"
	deliveryValue        = "Flag_DeliveryId_NextActionValue"
	deliveryWelcome      = "Prompt_DeliveryId_Welcome"
	deliveryWelcomeAdHoc = "Prompt_DeliveryId_WelcomeAdHoc"
	deliveryProfiles     = "Flag_DeliveryId_CustomerProfiles"

	menuPreMenu    = "Prompt_SteeringMenu_PreMenuOptions"
	menuMenu       = "Prompt_SteeringMenu_MenuOptions"
	menuRetry      = "Prompt_SteeringMenu_Retry"
	menuRetries    = "Flag_SteeringMenu_Retries"
	menuType       = "Flag_SteeringMenu_NextActionType_"   // + option
	menuValue      = "Flag_SteeringMenu_NextActionValue_"  // + option
	menuPrompt     = "Flag_SteeringMenu_NextActionPrompt_" // + option
	menuOOHType    = "Flag_SteeringMenu_OutOfHourActionType"
	menuOOHValue   = "Flag_SteeringMenu_OutOfHourValue"
	queueRecording = "Flag_Queue_ContactRecording"
	queueScreen    = "Flag_Queue_ScreenRecording"
	queueAnalytics = "Flag_Queue_Analytics"
	queueRedaction = "Flag_Queue_Redaction"
	queueWhisperA  = "Prompt_Queue_WhisperAgent"
	queueWhisperC  = "Prompt_Queue_WhisperCustomer"
	queuePreQueue  = "Prompt_Queue_PreQueue"
	queueOOHType   = "Flag_Queue_OutOfHourActionType"
	queueOOHValue  = "Flag_Queue_OutOfHourActionValue"
	queueTimezone  = "Flag_Queue_Timezone"
)

// e164 is the number format Amazon Connect dials and claims.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// promptARN is an Amazon Connect prompt ARN.
var promptARN = regexp.MustCompile(`^arn:aws[a-z-]*:connect:[a-z0-9-]+:[0-9]{12}:instance/([^/]+)/prompt/[^/]+$`)

// ref is an attribute that leads to another resource.
type ref struct {
	attr, value string
}

// menuRefs returns the attributes of it that lead to a steering menu: the
// steering menus a contact can reach from this item.
func menuRefs(it Item) []ref {
	var refs []ref
	for _, p := range destinationAttrs(it) {
		if it[p[0]] == ActionSteeringMenu && it[p[1]] != "" {
			refs = append(refs, ref{p[1], it[p[1]]})
		}
	}
	return refs
}

// Check validates an instance's table. With pending items it checks those
// as they would be after importing them over the stored table and reports
// their problems only; with none it checks every stored item.
func (s *Service) Check(ctx context.Context, instance string, pending []Item) ([]Problem, error) {
	inst, err := s.instance(ctx, instance)
	if err != nil {
		return nil, err
	}
	for _, it := range pending {
		if err := validateShape(it); err != nil {
			return nil, err
		}
	}
	ps, err := s.check(ctx, inst, pending)
	if ps == nil {
		ps = []Problem{}
	}
	return ps, err
}

func (s *Service) check(ctx context.Context, inst string, pending []Item) ([]Problem, error) {
	menus := map[string]bool{}
	var stored []Item
	err := s.db.View(ctx, func(tx store.Tx) error {
		prefix := []byte(instancePrefix(inst))
		for k, v := range tx.Scan(prefix, store.PrefixEnd(prefix)) {
			// Checking pending items needs only the names of the stored
			// menus, which the keys give.
			pk, rt, _ := strings.Cut(string(k[len(prefix):]), "\x00")
			if rt == TypeSteeringMenu {
				menus[pk] = true
			}
			if len(pending) == 0 {
				it, err := decodeItem(k, v)
				if err != nil {
					return err
				}
				stored = append(stored, it)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, it := range pending {
		if it.ResourceType() == TypeSteeringMenu {
			menus[it.PrimaryKey()] = true
		}
	}
	subject := pending
	if len(pending) == 0 {
		subject = stored
	}
	c := &checker{ctx: ctx, inst: inst, res: s.res, menus: menus, seen: map[string]bool{}}
	for _, it := range subject {
		c.item(it)
		if c.err != nil {
			return nil, c.err
		}
	}
	slices.SortStableFunc(c.problems, func(a, b Problem) int {
		if d := strings.Compare(a.PrimaryKey, b.PrimaryKey); d != 0 {
			return d
		}
		return strings.Compare(a.ResourceType, b.ResourceType)
	})
	return c.problems, nil
}

// CheckItems validates items against the schema alone, with res resolving
// queues and flows in the instance inst and menus looked up among items.
// It is for callers with no store, such as tests of item files.
func CheckItems(ctx context.Context, res Resolver, inst string, items []Item) ([]Problem, error) {
	menus := map[string]bool{}
	for _, it := range items {
		if err := validateShape(it); err != nil {
			return nil, err
		}
		if it.ResourceType() == TypeSteeringMenu {
			menus[it.PrimaryKey()] = true
		}
	}
	c := &checker{ctx: ctx, inst: inst, res: res, menus: menus, seen: map[string]bool{}}
	for _, it := range items {
		c.item(it)
		if c.err != nil {
			return nil, c.err
		}
	}
	return c.problems, nil
}

// checker collects the problems of the items it is shown.
type checker struct {
	ctx      context.Context
	inst     string
	res      Resolver
	menus    map[string]bool // steering menus in the table
	seen     map[string]bool // queue and flow answers, by "q:"/"f:" + ref
	err      error           // a resolver failure, which stops the check
	problems []Problem

	it   Item
	used map[string]bool // the attributes of it the schema knows
}

func (c *checker) item(it Item) {
	c.it, c.used = it, map[string]bool{AttrPrimaryKey: true, AttrResourceType: true}
	pk, rt := it.PrimaryKey(), it.ResourceType()
	if b, _ := json.Marshal(it); len(b) > lambda.DefaultMaxResponse {
		c.fail("", "the lookup function's answer would be %d bytes; Amazon Connect accepts at most %d", len(b), lambda.DefaultMaxResponse)
	}
	switch rt {
	case TypeDeliveryID:
		c.deliveryID(pk)
	case TypeSteeringMenu:
		c.steeringMenu()
	case TypeQueue:
		c.queue(pk)
	default:
		for _, k := range knownTypes {
			if strings.EqualFold(rt, k) {
				c.warn(AttrResourceType, "%q is not a resource type the flows look up; did you mean %q?", rt, k)
			}
		}
		return // a type of the user's own: its attributes are theirs
	}
	names := make([]string, 0, len(it))
	for k := range it {
		if !c.used[k] {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		for _, p := range schemaPrefixes {
			if strings.HasPrefix(k, p) {
				c.warn(k, "is not part of the %s schema; the core flows ignore it (misspelt?)", rt)
				break
			}
		}
	}
}

func (c *checker) add(sev Severity, attr, format string, args ...any) {
	c.problems = append(c.problems, Problem{
		PrimaryKey: c.it.PrimaryKey(), ResourceType: c.it.ResourceType(),
		Attribute: attr, Severity: sev, Message: fmt.Sprintf(format, args...),
	})
}

func (c *checker) fail(attr, format string, args ...any) { c.add(SeverityError, attr, format, args...) }
func (c *checker) warn(attr, format string, args ...any) {
	c.add(SeverityWarning, attr, format, args...)
}

// get returns an attribute, marking it as known to the schema. An empty
// string is the same as no attribute.
func (c *checker) get(attr string) string {
	c.used[attr] = true
	return c.it[attr]
}

// oneOf checks an optional attribute against its allowed values and
// returns it ("" when absent or not allowed).
func (c *checker) oneOf(attr string, allowed []string) string {
	v := c.get(attr)
	if v == "" {
		return ""
	}
	if !slices.Contains(allowed, v) {
		hint := ""
		for _, a := range allowed {
			if strings.EqualFold(a, v) {
				hint = fmt.Sprintf(" (values are case-sensitive: %q)", a)
			}
		}
		c.fail(attr, "%q is not one of %s%s", v, strings.Join(allowed, ", "), hint)
		return ""
	}
	return v
}

func (c *checker) deliveryID(pk string) {
	if !e164.MatchString(pk) {
		c.fail(AttrPrimaryKey, "%q is not a phone number in E.164 form (such as +442079460100): a DeliveryId is keyed by the number dialled", pk)
	}
	if q := c.get(deliveryDefaultQueue); q != "" {
		c.queueRef(deliveryDefaultQueue, q)
	}
	c.prompt(deliveryWelcome)
	c.prompt(deliveryWelcomeAdHoc)
	c.oneOf(deliveryProfiles, enabledDisabled)
	if c.it[deliveryType] == "" {
		c.get(deliveryType)
		c.fail(deliveryType, "is required: one of %s", strings.Join(nextActionTypes, ", "))
		if c.get(deliveryValue) != "" {
			c.fail(deliveryValue, "is set but %s is not", deliveryType)
		}
		return
	}
	c.destination(deliveryType, deliveryValue, nextActionTypes)
}

func (c *checker) steeringMenu() {
	c.prompt(menuPreMenu)
	if c.it[menuMenu] == "" {
		c.get(menuMenu)
		c.fail(menuMenu, "is required: the prompt that offers the options")
	} else {
		c.prompt(menuMenu)
	}
	c.prompt(menuRetry)
	if v := c.get(menuRetries); v != "" && !slices.Contains(retryValues, v) {
		c.fail(menuRetries, "%q is not a number of retries from 0 to 3", v)
	}
	for _, o := range menuOptions {
		t, v, p := menuType+o, menuValue+o, menuPrompt+o
		if c.it[t] == "" {
			c.get(t)
			if o == "Default" {
				c.fail(t, "is required: every steering menu needs a Default option, taken when the retries run out")
			}
			for _, a := range []string{v, p} {
				if c.get(a) != "" {
					c.fail(a, "is set but %s is not", t)
				}
			}
			continue
		}
		c.destination(t, v, nextActionTypes)
		c.prompt(p)
	}
	// An option outside 0-9, Star, Hash and Default can never be chosen.
	names := make([]string, 0, len(c.it))
	for k := range c.it {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, p := range menuOptionAttrPrefix {
			if o, ok := strings.CutPrefix(k, p); ok && !slices.Contains(menuOptions, o) {
				c.used[k] = true
				hint := ""
				for _, m := range menuOptions {
					if strings.EqualFold(m, o) {
						hint = fmt.Sprintf(" (options are case-sensitive: %q)", m)
					}
				}
				c.fail(k, "%q is not a menu option: the options are 0-9, Star, Hash and Default%s", o, hint)
			}
		}
	}
	if c.it[menuOOHType] == "" {
		c.get(menuOOHType)
		if c.get(menuOOHValue) != "" {
			c.fail(menuOOHValue, "is set but %s is not", menuOOHType)
		}
		return
	}
	c.destination(menuOOHType, menuOOHValue, menuOutOfHourTypes)
}

func (c *checker) queue(pk string) {
	c.queueRef(AttrPrimaryKey, pk)
	c.oneOf(queueRecording, enabledDisabled)
	c.oneOf(queueScreen, enabledDisabled)
	c.oneOf(queueAnalytics, analyticsValues)
	c.oneOf(queueRedaction, redactionValues)
	c.prompt(queueWhisperA)
	c.prompt(queueWhisperC)
	c.prompt(queuePreQueue)
	if tz := c.get(queueTimezone); tz != "" {
		if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
			c.fail(queueTimezone, "%q is not an IANA time zone name (such as Europe/London)", tz)
		}
	}
	if c.it[queueOOHType] == "" {
		c.get(queueOOHType)
		if c.get(queueOOHValue) != "" {
			c.fail(queueOOHValue, "is set but %s is not", queueOOHType)
		}
		return
	}
	c.destination(queueOOHType, queueOOHValue, queueOutOfHourTypes)
}

// destination checks a next-action pair: a type among allowed and the
// value that type needs.
func (c *checker) destination(typeAttr, valueAttr string, allowed []string) {
	t := c.oneOf(typeAttr, allowed)
	v := c.get(valueAttr)
	if t == "" {
		return // reported by oneOf
	}
	if v == "" && t != ActionDisconnect {
		c.fail(valueAttr, "is required when %s is %s: %s", typeAttr, t, valueNeeded[t])
		return
	}
	switch t {
	case ActionQueue:
		c.queueRef(valueAttr, v)
	case ActionSteeringMenu:
		if !c.menus[v] {
			c.fail(valueAttr, "leads to steering menu %q, which is not in the table (no item with Primary_Key %q and Resource_Type SteeringMenu)", v, v)
		}
	case ActionFlow:
		c.flowRef(valueAttr, v)
	case ActionExternal:
		if !e164.MatchString(v) {
			c.fail(valueAttr, "%q is not a phone number in E.164 form (such as +442079460100)", v)
		}
	case ActionDisconnect, ActionPrompt:
		c.promptValue(valueAttr, v)
	}
}

var valueNeeded = map[string]string{
	ActionQueue:        "a queue name or ARN",
	ActionSteeringMenu: "the Primary_Key of a SteeringMenu item",
	ActionFlow:         "a contact flow name or ARN",
	ActionExternal:     "a phone number in E.164 form",
	ActionPrompt:       "the prompt to play",
}

func (c *checker) queueRef(attr, ref string) {
	ok := c.exists("q:"+ref, func() (bool, error) { return c.res.QueueExists(c.ctx, c.inst, ref) })
	if !ok && c.err == nil {
		c.fail(attr, "queue %q is not in instance %s (give a queue name or ARN)", ref, c.inst)
	}
}

func (c *checker) flowRef(attr, ref string) {
	ok := c.exists("f:"+ref, func() (bool, error) { return c.res.FlowExists(c.ctx, c.inst, ref) })
	if !ok && c.err == nil {
		c.fail(attr, "contact flow %q is not in instance %s (give a flow name or ARN)", ref, c.inst)
	}
}

// exists asks the resolver once per reference and check.
func (c *checker) exists(key string, ask func() (bool, error)) bool {
	if ok, done := c.seen[key]; done {
		return ok
	}
	ok, err := ask()
	if err != nil {
		c.err = fmt.Errorf("flowconfig: resolving %s: %w", key[2:], err)
		return false
	}
	c.seen[key] = ok
	return ok
}

// prompt checks an optional prompt attribute.
func (c *checker) prompt(attr string) {
	if v := c.get(attr); v != "" {
		c.promptValue(attr, v)
	}
}

// promptValue checks a prompt in each of the forms the flows play, told
// apart as the seed's play-prompt module tells them: SSML starts with
// <speak>, a prompt ARN with arn, an audio URL with http; anything else is
// text to speak.
func (c *checker) promptValue(attr, v string) {
	switch {
	case strings.HasPrefix(v, "<speak>"):
		if err := wellFormed(v); err != nil {
			c.fail(attr, "is not well-formed SSML: %v", err)
		} else if !strings.HasSuffix(strings.TrimSpace(v), "</speak>") {
			c.fail(attr, "SSML must end with </speak>")
		}
	case strings.HasPrefix(v, "<speak"):
		c.warn(attr, "starts like SSML but not with <speak>, which is how the flows tell SSML from text: it will be read out as text")
	case strings.HasPrefix(v, "arn"):
		m := promptARN.FindStringSubmatch(v)
		switch {
		case m == nil:
			c.fail(attr, "%q starts with arn but is not a prompt ARN (arn:aws:connect:<region>:<account>:instance/<id>/prompt/<id>)", v)
		case m[1] != c.inst:
			c.fail(attr, "prompt %s belongs to instance %s, not %s", v, m[1], c.inst)
		}
	case strings.HasPrefix(v, "http"):
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.fail(attr, "%q starts with http but is not an http:// or https:// URL of an audio file", v)
		}
	}
}

// wellFormed reports the first XML syntax error in s.
func wellFormed(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
