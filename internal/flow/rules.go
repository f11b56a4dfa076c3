package flow

import (
	"strconv"
	"strings"
)

// paramRules are the parameter checks for rules the reference states the
// real service enforces. Everything else about Parameters is accepted here,
// so that anyone's published flows load; a parameter that makes no sense is
// the action's run-time error, not a load error.
var paramRules = map[ActionType]func(p *Param, report func(format string, args ...any)){
	TypeLoop:               checkLoop,
	TypeMessageParticipant: checkMessageParticipant,
}

// Loop bounds of LoopCount (reference §4.2, §10).
const (
	minLoopCount = 0
	maxLoopCount = 100
)

// checkLoop enforces LoopCount 0–100 when it is static. A reference is
// checked at run time; a missing LoopCount is left to the interpreter.
func checkLoop(p *Param, report func(string, ...any)) {
	lc, ok := p.Get("LoopCount")
	if !ok {
		return
	}
	switch lc.Kind {
	case ParamString, ParamNumber:
	case ParamNull:
		return
	default:
		report("Parameters.LoopCount must be a string, not %s", lc.Kind)
		return
	}
	v := lc.Value
	if v.Kind() == ValueReference || v.Malformed() {
		// A malformed reference is a run-time failure (reference §1.3).
		return
	}
	n, err := strconv.Atoi(v.String())
	if err != nil || n < minLoopCount || n > maxLoopCount {
		report("Parameters.LoopCount %q must be a whole number from %d to %d, or a single reference", v.String(), minLoopCount, maxLoopCount)
	}
}

// promptKeys are the ways a MessageParticipant can say something; exactly
// one is required (reference §4.1).
var promptKeys = []string{"Text", "SSML", "PromptId", "Media"}

func checkMessageParticipant(p *Param, report func(string, ...any)) {
	var found []string
	for _, k := range promptKeys {
		if c, ok := p.Get(k); ok && c.Kind != ParamNull {
			found = append(found, k)
		}
	}
	if len(found) == 1 {
		return
	}
	have := "none"
	if len(found) > 1 {
		have = strings.Join(found, " and ")
	}
	report("MessageParticipant needs exactly one of Text, SSML, PromptId or Media in Parameters; found %s", have)
}
