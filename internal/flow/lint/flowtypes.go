package lint

import (
	"strings"

	"github.com/hotline-dev/hotline/internal/flow"
)

// FlowTypes are the flow types of the Connect API (reference §8).
var FlowTypes = []string{
	"CONTACT_FLOW", "CUSTOMER_QUEUE", "CUSTOMER_HOLD", "CUSTOMER_WHISPER", "AGENT_HOLD",
	"AGENT_WHISPER", "OUTBOUND_WHISPER", "AGENT_TRANSFER", "QUEUE_TRANSFER", "CAMPAIGN",
}

// place is a column of the allowed-actions table of reference §8: a group
// of flow types that allow the same actions, or modules.
type place uint8

const (
	inInbound  place = 1 << iota // CONTACT_FLOW
	inQueue                      // CUSTOMER_QUEUE
	inHold                       // CUSTOMER_HOLD, AGENT_HOLD
	inWhisper                    // CUSTOMER_WHISPER, AGENT_WHISPER
	inOutbound                   // OUTBOUND_WHISPER
	inTransfer                   // AGENT_TRANSFER, QUEUE_TRANSFER
	inModule                     // flow modules

	everywhere = inInbound | inQueue | inHold | inWhisper | inOutbound | inTransfer | inModule
	inFlows    = everywhere &^ inModule
)

// placeOf maps a flow type to its column. CAMPAIGN is newer than the
// table and has no column, so it is not checked.
var placeOf = map[string]place{
	"CONTACT_FLOW":     inInbound,
	"CUSTOMER_QUEUE":   inQueue,
	"CUSTOMER_HOLD":    inHold,
	"AGENT_HOLD":       inHold,
	"CUSTOMER_WHISPER": inWhisper,
	"AGENT_WHISPER":    inWhisper,
	"OUTBOUND_WHISPER": inOutbound,
	"AGENT_TRANSFER":   inTransfer,
	"QUEUE_TRANSFER":   inTransfer,
}

// allowedIn is the table of reference §8, "(✓)" entries included. Action
// types the table does not list are not restricted.
var allowedIn = map[flow.ActionType]place{
	flow.TypeMessageParticipant:                    inInbound | inQueue | inWhisper | inOutbound | inTransfer | inModule,
	flow.TypeMessageParticipantIteratively:         inQueue | inHold,
	flow.TypeGetParticipantInput:                   inInbound | inQueue | inTransfer | inModule,
	flow.TypeConnectParticipantWithLexBot:          inInbound | inQueue | inTransfer | inModule,
	flow.TypeTransferParticipantToThirdParty:       inInbound | inQueue | inTransfer | inModule,
	flow.TypeDisconnectParticipant:                 everywhere,
	flow.TypeCompare:                               everywhere,
	flow.TypeLoop:                                  everywhere,
	flow.TypeUpdateContactAttributes:               everywhere,
	flow.TypeUpdateFlowAttributes:                  everywhere,
	flow.TypeUpdateFlowLoggingBehavior:             everywhere,
	flow.TypeUpdateContactTextToSpeechVoice:        everywhere,
	flow.TypeUpdateContactEventHooks:               everywhere,
	flow.TypeInvokeLambdaFunction:                  everywhere,
	flow.TypeGetMetricData:                         everywhere,
	flow.TypeCreateTask:                            everywhere,
	flow.TypeCheckHoursOfOperation:                 inInbound | inQueue | inTransfer | inModule,
	flow.TypeDistributeByPercentage:                inInbound | inQueue | inTransfer | inModule,
	flow.TypeCheckMetricData:                       inInbound | inQueue | inTransfer | inModule,
	flow.TypeTransferToFlow:                        inInbound | inTransfer,
	flow.TypeUpdateContactTargetQueue:              inInbound | inTransfer | inModule,
	flow.TypeTransferContactToQueue:                inInbound | inTransfer | inModule,
	flow.TypeUpdatePreviousContactParticipantState: inInbound | inTransfer | inModule,
	flow.TypeDequeueContactAndTransferToQueue:      inQueue,
	flow.TypeTransferContactToAgent:                inTransfer,
	flow.TypeEndFlowExecution:                      inQueue | inWhisper | inOutbound,
	flow.TypeUpdateContactRecordingBehavior:        inInbound | inQueue | inOutbound | inTransfer | inModule,
	flow.TypeUpdateContactMediaStreamingBehavior:   inInbound | inQueue | inWhisper | inOutbound | inTransfer | inModule,
	flow.TypeUpdateContactRoutingBehavior:          inInbound | inModule,
	flow.TypeUpdateContactCallbackNumber:           inInbound | inQueue | inTransfer | inModule,
	flow.TypeCreateCallbackContact:                 inInbound | inQueue | inTransfer | inModule,
	flow.TypeInvokeFlowModule:                      inInbound,
	flow.TypeEndFlowModuleExecution:                inModule,
	flow.TypeWait:                                  inInbound | inQueue,
	flow.TypeShowView:                              inInbound | inQueue,
}

// checkAllowed reports actions the flow type does not allow. A module's
// place is always known; a flow's only when Options.FlowType says it, except
// that an action allowed in no flow type at all (EndFlowModuleExecution) is
// wrong in any flow.
func (l *linter) checkAllowed(i int, a *flow.Action) {
	allowed, listed := allowedIn[a.Type]
	if !listed {
		return
	}
	if l.kind == flow.KindModule {
		if allowed&inModule == 0 {
			l.action(i, SeverityError, CheckActionNotAllowed, "%s is not allowed in a flow module (allowed in %s)", a.Type, placesText(allowed))
		}
		return
	}
	if l.opts.FlowType == "" {
		if allowed&inFlows == 0 {
			l.action(i, SeverityError, CheckActionNotAllowed, "%s is not allowed in any flow type (allowed in %s)", a.Type, placesText(allowed))
		}
		return
	}
	at, known := placeOf[l.opts.FlowType]
	if known && allowed&at == 0 {
		l.action(i, SeverityError, CheckActionNotAllowed, "%s is not allowed in a %s flow (allowed in %s)", a.Type, l.opts.FlowType, placesText(allowed))
	}
}

// placesText names the flow types (and modules) of a set of places.
func placesText(p place) string {
	var names []string
	for _, t := range FlowTypes {
		if at, ok := placeOf[t]; ok && p&at != 0 {
			names = append(names, t)
		}
	}
	if p&inModule != 0 {
		names = append(names, "flow modules")
	}
	return strings.Join(names, ", ")
}
