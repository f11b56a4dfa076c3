package interp

import (
	"github.com/hotline-dev/hotline/internal/flow"
)

// exec runs action a of the top frame.
func (r *run) exec(a *flow.Action) outcome {
	switch a.Type {
	// Participant actions.
	case flow.TypeMessageParticipant:
		return r.messageParticipant(a)
	case flow.TypeMessageParticipantIteratively:
		return r.messageIteratively(a)
	case flow.TypeGetParticipantInput:
		return r.getInput(a)
	case flow.TypeConnectParticipantWithLexBot:
		return r.lexBot(a)
	case flow.TypeDisconnectParticipant:
		return ended(EndDisconnected, "hung up by the flow")
	case flow.TypeTransferParticipantToThirdParty:
		return r.thirdParty(a)
	case flow.TypeShowView:
		return failure("ShowView needs an agent workspace, which a " + r.c.Channel + " contact does not have")

	// Flow control.
	case flow.TypeCompare:
		return r.compare(a)
	case flow.TypeCheckHoursOfOperation:
		return r.checkHours(a)
	case flow.TypeCheckMetricData:
		return r.checkMetric(a)
	case flow.TypeGetMetricData:
		return r.getMetrics(a)
	case flow.TypeDistributeByPercentage:
		return r.distribute()
	case flow.TypeLoop:
		return r.loopAction(a)
	case flow.TypeWait:
		return r.wait(a)
	case flow.TypeTransferToFlow:
		return r.transferToFlow(a)
	case flow.TypeEndFlowExecution:
		return outcome{kind: outReturn, why: "EndFlowExecution"}
	case flow.TypeUpdateFlowAttributes:
		return r.updateFlowAttributes(a)
	case flow.TypeUpdateFlowLoggingBehavior:
		return r.flowLogging(a)
	case flow.TypeUpdateContactRoutingCriteria, flow.TypeUpdateRoutingCriteria:
		return r.routingCriteria(a)

	// Contact actions.
	case flow.TypeUpdateContactAttributes:
		return r.updateAttributes(a)
	case flow.TypeUpdateContactData:
		return r.updateContactData(a)
	case flow.TypeUpdateContactTextToSpeechVoice:
		return r.setVoice(a)
	case flow.TypeUpdateContactTargetQueue:
		return r.setQueue(a)
	case flow.TypeTransferContactToQueue:
		return r.transferToQueue()
	case flow.TypeUpdateContactEventHooks:
		return r.eventHooks(a)
	case flow.TypeUpdateContactRecordingBehavior:
		return r.recording(a)
	case flow.TypeUpdateContactRecordingAndAnalyticsBehavior:
		return r.recordingAndAnalytics(a)
	case flow.TypeUpdateContactMediaStreamingBehavior:
		return r.mediaStreaming(a)
	case flow.TypeUpdateContactRoutingBehavior:
		return r.routingBehavior(a)
	case flow.TypeUpdateContactCallbackNumber:
		return r.callbackNumber(a)
	case flow.TypeInvokeFlowModule:
		return r.invokeModule(a)
	case flow.TypeEndFlowModuleExecution:
		if !r.c.top().Module {
			return fault("action " + quote(a.Identifier) + ": EndFlowModuleExecution outside a flow module")
		}
		return outcome{kind: outReturn, why: "module returned"}

	// Interactions.
	case flow.TypeInvokeLambdaFunction:
		return r.invokeFunction(a)
	case flow.TypeCreateCallbackContact:
		return r.createCallback(a)
	case flow.TypeGetCustomerProfile, flow.TypeCreateCustomerProfile, flow.TypeUpdateCustomerProfile,
		flow.TypeAssociateContactToCustomerProfile, flow.TypeGetCustomerProfileObject,
		flow.TypeGetCalculatedAttributesForCustomerProfile:
		return r.profileAction(a)
	}
	// Fail loudly: an action the engine does not implement is never skipped.
	return fault("action " + quote(a.Identifier) + ": action type " + a.Type.String() + " is not implemented by the Hotline flow engine")
}

// resume continues the waiting action a with ev.
func (r *run) resume(a *flow.Action, ev Event) outcome {
	switch a.Type {
	case flow.TypeMessageParticipant:
		return next("prompt finished")
	case flow.TypeMessageParticipantIteratively:
		return r.resumeIteratively(a, ev)
	case flow.TypeGetParticipantInput:
		return r.resumeInput(a, ev)
	case flow.TypeConnectParticipantWithLexBot:
		return r.resumeLexBot(ev)
	case flow.TypeTransferParticipantToThirdParty:
		return r.resumeThirdParty(a, ev)
	case flow.TypeInvokeLambdaFunction:
		return r.resumeFunction(a, ev)
	case flow.TypeWait:
		return result("WaitCompleted", "the wait's time limit passed")
	}
	return fault("action " + quote(a.Identifier) + ": " + a.Type.String() + " does not wait, yet the contact was parked on it")
}
