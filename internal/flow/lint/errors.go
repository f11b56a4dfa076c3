package lint

import (
	"strings"

	"github.com/hotline-dev/hotline/internal/flow"
)

// Error types beyond the two every action has (reference §3).
const (
	errInputTimeLimitExceeded      = "InputTimeLimitExceeded"
	errInvalidPhoneNumber          = "InvalidPhoneNumber"
	errQueueAtCapacity             = "QueueAtCapacity"
	errCallFailed                  = "CallFailed"
	errConnectionTimeLimitExceeded = "ConnectionTimeLimitExceeded"
	errInvalidCallbackNumber       = "InvalidCallbackNumber"
	errCallbackNumberNotDialable   = "CallbackNumberNotDialable"
	errTimeLimitExceeded           = "TimeLimitExceeded"
	errNoneFound                   = "NoneFoundError"
	errMultipleFound               = "MultipleFoundError"
)

// justNoMatchingError is the expectation of an action whose only failure
// is the generic one.
func justNoMatchingError(*flow.Action, string) []string { return []string{flow.ErrNoMatchingError} }

// noneFoundOrNoMatching is what the profile object and calculated
// attribute actions raise (their reference pages list both).
func noneFoundOrNoMatching(*flow.Action, string) []string {
	return []string{errNoneFound, flow.ErrNoMatchingError}
}

// expectedErrors lists, per action type, the error outcomes an author is
// expected to branch on: the errors the reference says the action raises
// in ordinary use (a caller who stays silent, a full queue, a failing
// Lambda), not every error it could conceivably raise. Actions that cannot
// fail (UpdateFlowLoggingBehavior, UpdateContactTextToSpeechVoice, Loop, …)
// are absent.
var expectedErrors = map[flow.ActionType]func(a *flow.Action, flowType string) []string{
	flow.TypeMessageParticipant: func(_ *flow.Action, flowType string) []string {
		// Whisper prompts cannot fail (reference §1.2): the call is bridged anyway.
		if strings.HasSuffix(flowType, "_WHISPER") {
			return nil
		}
		return []string{flow.ErrNoMatchingError}
	},
	flow.TypeMessageParticipantIteratively: justNoMatchingError,
	flow.TypeGetParticipantInput: func(a *flow.Action, _ string) []string {
		if !storesInput(a) {
			return []string{errInputTimeLimitExceeded, flow.ErrNoMatchingCondition, flow.ErrNoMatchingError}
		}
		if v, ok := a.Params.Get("InputValidation"); ok {
			if _, phone := v.Get("PhoneNumberValidation"); phone {
				return []string{errInvalidPhoneNumber, flow.ErrNoMatchingError}
			}
		}
		return []string{flow.ErrNoMatchingError}
	},
	flow.TypeConnectParticipantWithLexBot: func(*flow.Action, string) []string {
		return []string{flow.ErrNoMatchingCondition, flow.ErrNoMatchingError}
	},
	flow.TypeTransferParticipantToThirdParty: func(a *flow.Action, _ string) []string {
		if v, ok := a.Params.ValueOf("ContinueFlowExecution"); ok && strings.EqualFold(strings.TrimSpace(v.String()), "true") {
			return []string{errCallFailed, errConnectionTimeLimitExceeded, flow.ErrNoMatchingError}
		}
		return []string{errCallFailed, flow.ErrNoMatchingError}
	},
	flow.TypeShowView: func(*flow.Action, string) []string {
		return []string{errTimeLimitExceeded, flow.ErrNoMatchingError}
	},
	flow.TypeCompare:               func(*flow.Action, string) []string { return []string{flow.ErrNoMatchingCondition} },
	flow.TypeCheckHoursOfOperation: justNoMatchingError,
	flow.TypeCheckMetricData: func(*flow.Action, string) []string {
		// The "not staffed" path is the NoMatchingCondition branch (reference §4.2).
		return []string{flow.ErrNoMatchingCondition, flow.ErrNoMatchingError}
	},
	flow.TypeGetMetricData:            justNoMatchingError,
	flow.TypeDistributeByPercentage:   func(*flow.Action, string) []string { return []string{flow.ErrNoMatchingCondition} },
	flow.TypeWait:                     justNoMatchingError,
	flow.TypeTransferToFlow:           justNoMatchingError,
	flow.TypeUpdateContactAttributes:  justNoMatchingError,
	flow.TypeUpdateContactData:        justNoMatchingError,
	flow.TypeUpdateContactTargetQueue: justNoMatchingError,
	flow.TypeTransferContactToQueue: func(*flow.Action, string) []string {
		return []string{errQueueAtCapacity, flow.ErrNoMatchingError}
	},
	flow.TypeDequeueContactAndTransferToQueue: func(*flow.Action, string) []string {
		return []string{errQueueAtCapacity, flow.ErrNoMatchingError}
	},
	flow.TypeUpdateContactEventHooks:             justNoMatchingError,
	flow.TypeUpdateContactMediaStreamingBehavior: justNoMatchingError,
	flow.TypeUpdateContactCallbackNumber: func(*flow.Action, string) []string {
		return []string{errInvalidCallbackNumber, errCallbackNumberNotDialable}
	},
	flow.TypeInvokeFlowModule:      justNoMatchingError,
	flow.TypeCreateTask:            justNoMatchingError,
	flow.TypeInvokeLambdaFunction:  justNoMatchingError,
	flow.TypeCreateCallbackContact: justNoMatchingError,
	flow.TypeGetCustomerProfile: func(*flow.Action, string) []string {
		return []string{errNoneFound, errMultipleFound, flow.ErrNoMatchingError}
	},
	flow.TypeCreateCustomerProfile:                     justNoMatchingError,
	flow.TypeUpdateCustomerProfile:                     justNoMatchingError,
	flow.TypeAssociateContactToCustomerProfile:         justNoMatchingError,
	flow.TypeGetCustomerProfileObject:                  noneFoundOrNoMatching,
	flow.TypeGetCalculatedAttributesForCustomerProfile: noneFoundOrNoMatching,
	flow.TypeCreateCase:                                justNoMatchingError,
	flow.TypeGetCase:                                   justNoMatchingError,
	flow.TypeUpdateCase:                                justNoMatchingError,
}

// checkErrorBranches warns about expected errors without a branch of their
// own: an error with no branch at all ends the flow (reference §1.2), and
// one caught only by NoMatchingError usually means a silent caller or a
// full queue hears the generic "something went wrong" path.
func (l *linter) checkErrorBranches(i int, a *flow.Action) {
	expect := expectedErrors[a.Type]
	if expect == nil {
		return
	}
	var unhandled, generic []string
	hasGeneric := a.ErrorTarget(flow.ErrNoMatchingError) >= 0
	for _, et := range expect(a, l.opts.FlowType) {
		if ownBranch(a, et) {
			continue
		}
		switch {
		case et == flow.ErrNoMatchingCondition && len(a.Conditions) == 0:
			// Without conditions there is nothing to miss.
		case et != flow.ErrNoMatchingError && hasGeneric:
			generic = append(generic, et)
		case et == flow.ErrNoMatchingCondition && a.Next >= 0:
			// Exported Compares use NextAction as the "else" branch, and
			// the interpreter follows it when nothing else catches the error.
		default:
			unhandled = append(unhandled, et)
		}
	}
	if len(unhandled) > 0 {
		l.action(i, SeverityWarning, CheckMissingErrorBranch, "no error branch for %s: the flow ends if %s",
			orList(unhandled), pick(len(unhandled) == 1, "it happens", "any of them happens"))
	}
	if len(generic) > 0 {
		l.action(i, SeverityWarning, CheckMissingErrorBranch, "no error branch of its own for %s: %s to the NoMatchingError branch",
			orList(generic), pick(len(generic) == 1, "it goes", "they go"))
	}
}

func ownBranch(a *flow.Action, errorType string) bool {
	for _, e := range a.Errors {
		if e.ErrorType == errorType {
			return true
		}
	}
	return false
}

func orList(s []string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

func pick(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}
