// Package interp runs Amazon Connect flows: it owns the contact's durable
// state and the step function that advances it.
//
// The engine is a pure step function, (contact state, event) → (new state,
// effects):
//
//	effects, err := interp.Step(env, contact, interp.Event{Kind: interp.EventStart, Time: t, FlowID: id})
//
// Step runs actions until the contact must wait for the outside world (a
// prompt to finish, keys, a function's answer, a transfer's outcome, a bot)
// or its flow ends, updates the Contact in place, and returns the Effects
// the caller must perform, in order: Prompt, CollectInput, InvokeFunction,
// TransferToNumber, QueueContact, Disconnect, ... and a Trace entry for
// every action visited, event taken in and flow ended. The caller performs
// the effects and feeds what happens back as Events. Engine.StepFunc hands
// the effects to a callback instead, without copying them out of the
// engine's buffers, for a caller that performs them at once.
//
// The engine never sleeps, reads no clock (an Event's Time is "now"), does
// no I/O and starts no goroutines. Everything outside the contact comes from
// an Env, looked up synchronously. It keeps every timer itself: after each
// Step, if Contact.Wait.Deadline is set, the caller delivers EventTimeout
// at that time unless another event comes first. So a contact is a few
// kilobytes of plain data between events, stored anywhere, and simulated
// calls run on a virtual clock as fast as the CPU allows.
//
// Flows come compiled (package flow): actions indexed, transitions resolved,
// parameters pre-parsed, JSONPath references parsed. The per-action path
// uses no reflection and no JSON; only building a Lambda event and reading
// its response touch JSON. Contact.AppendJSON (and MarshalJSON) writes the
// contact's state by hand, exactly as encoding/json would write the struct,
// for a caller that stores it at every wait.
//
// docs/flow-engine.md describes the state layout and every choice made
// where the Amazon Connect documentation is silent.
package interp
