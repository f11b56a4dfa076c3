package flow

import "strconv"

// ActionType is the Type of an action. Only the 2019-10-30 action types of
// reference §4 are known; anything else is rejected at load time (§4.5:
// fail loudly rather than skip an action the engine does not know).
type ActionType uint8

// The action types, grouped as in reference §4.
const (
	typeUnknown ActionType = iota

	// Participant actions (§4.1).
	TypeMessageParticipant
	TypeMessageParticipantIteratively
	TypeGetParticipantInput
	TypeConnectParticipantWithLexBot
	TypeDisconnectParticipant
	TypeTransferParticipantToThirdParty
	TypeShowView

	// Flow control (§4.2).
	TypeCompare
	TypeCheckHoursOfOperation
	TypeCheckMetricData
	TypeGetMetricData
	TypeDistributeByPercentage
	TypeLoop
	TypeWait
	TypeTransferToFlow
	TypeEndFlowExecution
	TypeUpdateFlowAttributes
	TypeUpdateFlowLoggingBehavior
	TypeUpdateRoutingCriteria        // the documented name
	TypeUpdateContactRoutingCriteria // the name real exports use
	TypeCheckVoiceId
	TypeStartVoiceIdStream
	TypeCheckOutboundCallStatus

	// Contact actions (§4.3).
	TypeUpdateContactAttributes
	TypeUpdateContactData
	TypeUpdateContactTextToSpeechVoice
	TypeUpdateContactTargetQueue
	TypeTransferContactToQueue
	TypeDequeueContactAndTransferToQueue
	TypeTransferContactToAgent
	TypeUpdateContactEventHooks
	TypeUpdateContactRecordingBehavior
	TypeUpdateContactRecordingAndAnalyticsBehavior
	TypeUpdateContactMediaStreamingBehavior
	TypeUpdateContactRoutingBehavior
	TypeUpdateContactCallbackNumber
	TypeUpdatePreviousContactParticipantState
	TypeCompleteOutboundCall
	TypeInvokeFlowModule
	TypeEndFlowModuleExecution
	TypeTagContact
	TypeUnTagContact
	TypeCreateTask
	TypeCreateCase
	TypeGetCase
	TypeUpdateCase
	TypeCreateWisdomSession
	TypeResumeContact
	TypeStartOutboundChatContact

	// Interactions (§4.4).
	TypeInvokeLambdaFunction
	TypeCreateCallbackContact
	TypeGetCustomerProfile
	TypeCreateCustomerProfile
	TypeUpdateCustomerProfile
	TypeAssociateContactToCustomerProfile
	TypeGetCustomerProfileObject
	TypeGetCalculatedAttributesForCustomerProfile

	numActionTypes
)

// actionTypeNames is indexed by ActionType; it is the single list of known types.
var actionTypeNames = [numActionTypes]string{
	TypeMessageParticipant:                         "MessageParticipant",
	TypeMessageParticipantIteratively:              "MessageParticipantIteratively",
	TypeGetParticipantInput:                        "GetParticipantInput",
	TypeConnectParticipantWithLexBot:               "ConnectParticipantWithLexBot",
	TypeDisconnectParticipant:                      "DisconnectParticipant",
	TypeTransferParticipantToThirdParty:            "TransferParticipantToThirdParty",
	TypeShowView:                                   "ShowView",
	TypeCompare:                                    "Compare",
	TypeCheckHoursOfOperation:                      "CheckHoursOfOperation",
	TypeCheckMetricData:                            "CheckMetricData",
	TypeGetMetricData:                              "GetMetricData",
	TypeDistributeByPercentage:                     "DistributeByPercentage",
	TypeLoop:                                       "Loop",
	TypeWait:                                       "Wait",
	TypeTransferToFlow:                             "TransferToFlow",
	TypeEndFlowExecution:                           "EndFlowExecution",
	TypeUpdateFlowAttributes:                       "UpdateFlowAttributes",
	TypeUpdateFlowLoggingBehavior:                  "UpdateFlowLoggingBehavior",
	TypeUpdateRoutingCriteria:                      "UpdateRoutingCriteria",
	TypeUpdateContactRoutingCriteria:               "UpdateContactRoutingCriteria",
	TypeCheckVoiceId:                               "CheckVoiceId",
	TypeStartVoiceIdStream:                         "StartVoiceIdStream",
	TypeCheckOutboundCallStatus:                    "CheckOutboundCallStatus",
	TypeUpdateContactAttributes:                    "UpdateContactAttributes",
	TypeUpdateContactData:                          "UpdateContactData",
	TypeUpdateContactTextToSpeechVoice:             "UpdateContactTextToSpeechVoice",
	TypeUpdateContactTargetQueue:                   "UpdateContactTargetQueue",
	TypeTransferContactToQueue:                     "TransferContactToQueue",
	TypeDequeueContactAndTransferToQueue:           "DequeueContactAndTransferToQueue",
	TypeTransferContactToAgent:                     "TransferContactToAgent",
	TypeUpdateContactEventHooks:                    "UpdateContactEventHooks",
	TypeUpdateContactRecordingBehavior:             "UpdateContactRecordingBehavior",
	TypeUpdateContactRecordingAndAnalyticsBehavior: "UpdateContactRecordingAndAnalyticsBehavior",
	TypeUpdateContactMediaStreamingBehavior:        "UpdateContactMediaStreamingBehavior",
	TypeUpdateContactRoutingBehavior:               "UpdateContactRoutingBehavior",
	TypeUpdateContactCallbackNumber:                "UpdateContactCallbackNumber",
	TypeUpdatePreviousContactParticipantState:      "UpdatePreviousContactParticipantState",
	TypeCompleteOutboundCall:                       "CompleteOutboundCall",
	TypeInvokeFlowModule:                           "InvokeFlowModule",
	TypeEndFlowModuleExecution:                     "EndFlowModuleExecution",
	TypeTagContact:                                 "TagContact",
	TypeUnTagContact:                               "UnTagContact",
	TypeCreateTask:                                 "CreateTask",
	TypeCreateCase:                                 "CreateCase",
	TypeGetCase:                                    "GetCase",
	TypeUpdateCase:                                 "UpdateCase",
	TypeCreateWisdomSession:                        "CreateWisdomSession",
	TypeResumeContact:                              "ResumeContact",
	TypeStartOutboundChatContact:                   "StartOutboundChatContact",
	TypeInvokeLambdaFunction:                       "InvokeLambdaFunction",
	TypeCreateCallbackContact:                      "CreateCallbackContact",
	TypeGetCustomerProfile:                         "GetCustomerProfile",
	TypeCreateCustomerProfile:                      "CreateCustomerProfile",
	TypeUpdateCustomerProfile:                      "UpdateCustomerProfile",
	TypeAssociateContactToCustomerProfile:          "AssociateContactToCustomerProfile",
	TypeGetCustomerProfileObject:                   "GetCustomerProfileObject",
	TypeGetCalculatedAttributesForCustomerProfile:  "GetCalculatedAttributesForCustomerProfile",
}

var actionTypesByName = func() map[string]ActionType {
	m := make(map[string]ActionType, numActionTypes)
	for t := typeUnknown + 1; t < numActionTypes; t++ {
		m[actionTypeNames[t]] = t
	}
	return m
}()

// LookupActionType returns the action type with the given name, matched exactly.
func LookupActionType(name string) (ActionType, bool) {
	t, ok := actionTypesByName[name]
	return t, ok
}

// String returns the type's name as written in flow content.
func (t ActionType) String() string {
	if t > typeUnknown && t < numActionTypes {
		return actionTypeNames[t]
	}
	return "ActionType(" + strconv.Itoa(int(t)) + ")"
}

// legacyTypes maps the pre-2019 console-export names (reference §4.5), which
// are not action types, to the 2019-10-30 type to use instead, so the
// problem message tells the author what to write.
var legacyTypes = map[string]string{
	"CheckAttribute":         "Compare",
	"SetAttributes":          "UpdateContactAttributes",
	"SetQueue":               "UpdateContactTargetQueue",
	"GetUserInput":           "GetParticipantInput or ConnectParticipantWithLexBot",
	"StoreUserInput":         "GetParticipantInput with StoreInput \"True\"",
	"PlayPrompt":             "MessageParticipant",
	"Disconnect":             "DisconnectParticipant",
	"Transfer":               "TransferContactToQueue",
	"SetVoice":               "UpdateContactTextToSpeechVoice",
	"SetLoggingBehavior":     "UpdateFlowLoggingBehavior",
	"CheckStaffing":          "CheckMetricData",
	"InvokeExternalResource": "InvokeLambdaFunction",
	"TransferToQueue":        "TransferContactToQueue",
	"StartMediaStreaming":    "UpdateContactMediaStreamingBehavior",
	"Start":                  "",
}
