package flowconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/lambda"
)

// BuiltinName is the lookup function's name among lambda's built-ins.
const BuiltinName = "hotline:flowconfig-lookup"

// FunctionName is the Lambda function name the lookup is bound under by
// EnsureBinding: flows invoke
// arn:aws:lambda:<region>:<account>:function:hotline-flowconfig-lookup.
const FunctionName = "hotline-flowconfig-lookup"

// FunctionARN returns the ARN EnsureBinding binds the lookup function to.
func FunctionARN(region, account string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, account, FunctionName)
}

// lambda's registry of built-ins is per process and takes a name once, but
// a process may hold several servers (tests do), each with its own store.
// So the built-in is registered once and routes each event to the Service
// whose Resolver knows the event's instance.
var registry struct {
	once     sync.Once
	mu       sync.RWMutex
	services []*Service
}

// RegisterBuiltin makes this Service answer the built-in lookup function
// (BuiltinName) for its instances. The returned function withdraws it;
// call it when the server shuts down.
func (s *Service) RegisterBuiltin() (unregister func()) {
	registry.once.Do(func() { lambda.RegisterBuiltin(BuiltinName, dispatch) })
	registry.mu.Lock()
	registry.services = append(registry.services, s)
	registry.mu.Unlock()
	return func() {
		registry.mu.Lock()
		defer registry.mu.Unlock()
		registry.services = slices.DeleteFunc(registry.services, func(o *Service) bool { return o == s })
	}
}

// EnsureBinding binds FunctionARN(region, account) to the built-in, unless
// the ARN is bound already: a binding someone put there (say, to the real
// Lambda through SAM) is theirs and is kept. RegisterBuiltin must have been
// called. Flows may invoke the ARN once the instance has associated it
// (AssociateLambdaFunction).
func (s *Service) EnsureBinding(ctx context.Context, functions *lambda.Service, region, account string) (string, error) {
	arn := FunctionARN(region, account)
	b, err := functions.Get(ctx, arn)
	switch {
	case err == nil:
		if b.Kind != lambda.KindBuiltin || b.Builtin != BuiltinName {
			s.log.Info("the configuration lookup function is bound elsewhere; keeping that binding", "functionArn", arn, "kind", b.Kind)
		}
		return arn, nil
	case !apierr.Is(err, "ResourceNotFoundException"):
		return "", err
	}
	_, err = functions.Put(ctx, &lambda.Binding{FunctionArn: arn, Kind: lambda.KindBuiltin, Builtin: BuiltinName})
	if err != nil {
		return "", fmt.Errorf("binding %s to %s: %w", arn, BuiltinName, err)
	}
	return arn, nil
}

// decodeEvent reads the lookup's fields with encoding/json: the way for
// events eventFields does not take, and the one whose errors are worded.
// Names match exactly, as in eventFields (encoding/json would match
// struct fields in any case).
func decodeEvent(event []byte) (lookupFields, error) {
	var f lookupFields
	member := func(obj json.RawMessage, path string, name string) (json.RawMessage, error) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(obj, &m); err != nil {
			if path == "" {
				return nil, fmt.Errorf("the event is not an Amazon Connect event: %v", err)
			}
			return nil, fmt.Errorf("the event's %s is not an object", path)
		}
		return m[name], nil
	}
	optString := func(raw json.RawMessage, path string, dst **string) error {
		if raw == nil {
			return nil
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return fmt.Errorf("the event's %s is not a string", path)
		}
		return nil
	}
	details, err := member(event, "", "Details")
	if err != nil || isNull(details) {
		return f, err
	}
	if cd, err := member(details, "Details", "ContactData"); err != nil {
		return f, err
	} else if !isNull(cd) {
		arn, err := member(cd, "Details.ContactData", "InstanceARN")
		if err != nil {
			return f, err
		}
		if err := optString(arn, "Details.ContactData.InstanceARN", &f.instanceARN); err != nil {
			return f, err
		}
	}
	params, err := member(details, "Details", "Parameters")
	if err != nil || isNull(params) {
		return f, err
	}
	for name, dst := range map[string]**string{AttrPrimaryKey: &f.primaryKey, AttrResourceType: &f.resourceType} {
		raw, err := member(params, "Details.Parameters", name)
		if err != nil {
			return f, err
		}
		if err := optString(raw, "Details.Parameters."+name, dst); err != nil {
			return f, err
		}
	}
	return f, nil
}

func isNull(raw json.RawMessage) bool {
	return raw == nil || string(bytes.TrimSpace(raw)) == "null"
}

// dispatch is the built-in: it answers the item named by the event's
// Details.Parameters.Primary_Key and Resource_Type in the event's instance,
// as a flat string map, and fails when the parameters are missing or the
// item is not there, as the seed's Lambda does (it returns None, which
// Amazon Connect takes as an error).
func dispatch(ctx context.Context, event []byte) ([]byte, error) {
	f, err := eventFields(event)
	if err != nil {
		if f, err = decodeEvent(event); err != nil {
			return nil, err
		}
	}
	if f.primaryKey == nil || *f.primaryKey == "" || f.resourceType == nil || *f.resourceType == "" {
		return nil, errors.New("the function needs the parameters Primary_Key and Resource_Type (Details.Parameters); one or both are missing or empty")
	}
	pk, rt := *f.primaryKey, *f.resourceType
	if f.instanceARN == nil {
		return nil, errors.New("the event has no Details.ContactData.InstanceARN")
	}
	arn := *f.instanceARN
	_, inst, ok := strings.Cut(arn, ":instance/")
	if !ok || inst == "" || strings.Contains(inst, "/") {
		return nil, fmt.Errorf("Details.ContactData.InstanceARN %q is not an instance ARN", arn)
	}
	s, err := owner(ctx, inst)
	if err != nil {
		return nil, err
	}
	item, err := s.lookup(ctx, inst, pk, rt)
	if err != nil {
		return nil, err
	}
	if item == nil {
		return nil, fmt.Errorf("no item found for Primary_Key %q, Resource_Type %q in instance %s", pk, rt, inst)
	}
	// With the ARNs of the queues and flows it names (arns.go).
	return s.withARNs(ctx, inst, rt, item)
}

// owner finds the Service holding an instance's table.
func owner(ctx context.Context, inst string) (*Service, error) {
	registry.mu.RLock()
	if len(registry.services) == 1 {
		s := registry.services[0]
		registry.mu.RUnlock()
		return s, nil // the server's own: no need to ask
	}
	services := slices.Clone(registry.services)
	registry.mu.RUnlock()
	if len(services) == 0 {
		return nil, errors.New("no configuration table is being served")
	}
	var errs []error
	for _, s := range services {
		if _, err := s.res.InstanceID(ctx, inst); err == nil {
			return s, nil
		} else if !apierr.Is(err, "ResourceNotFoundException") {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("finding instance %s: %w", inst, errors.Join(errs...))
	}
	return nil, fmt.Errorf("instance %s was not found", inst)
}
