package connect

import (
	"context"
	"regexp"
	"time"

	"github.com/hotline-dev/hotline/internal/connect/api"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/store"
)

// lambdaRecord is one entry of an instance's Lambda allow-list: the
// functions its flows may invoke.
type lambdaRecord struct {
	FunctionArn    string
	ClientToken    string // the association's token, so that a retry succeeds
	AssociatedTime time.Time
}

func lambdaPrefix(inst string) string   { return instancePrefix(inst) + "lambda/" }
func lambdaKey(inst, arn string) string { return lambdaPrefix(inst) + arn }

// lambdaARN is a Lambda function ARN, optionally qualified by a version or
// alias, as the Lambda API defines function names and qualifiers.
var lambdaARN = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$`)

func (s *Service) registerLambdas(e *edge.Service) {
	edge.Handle(e, "AssociateLambdaFunction", s.associateLambda)
	edge.Handle(e, "ListLambdaFunctions", s.listLambdas)
	edge.Handle(e, "DisassociateLambdaFunction", s.disassociateLambda)
}

func (s *Service) associateLambda(ctx context.Context, in *api.AssociateLambdaFunctionRequest) (*struct{}, error) {
	if !lambdaARN.MatchString(in.FunctionArn) {
		return nil, invalidParam("FunctionArn %q is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>])", in.FunctionArn)
	}
	token := deref(in.ClientToken)
	return nil, s.update(ctx, func(tx store.RwTx) error {
		instID, err := s.instanceID(tx, in.InstanceId)
		if err != nil {
			return err
		}
		key := lambdaKey(instID, in.FunctionArn)
		prev, ok, err := store.GetJSON[lambdaRecord](tx, key)
		if err != nil {
			return err
		}
		if ok {
			if token != "" && prev.ClientToken == token {
				return nil // a retry of the call that associated it
			}
			return apiErr("ResourceConflictException", "Lambda function %s is already associated with instance %s", in.FunctionArn, instID)
		}
		n := 0
		prefix := []byte(lambdaPrefix(instID))
		for range tx.Scan(prefix, store.PrefixEnd(prefix)) {
			n++
		}
		if n >= s.cfg.Quotas.LambdasPerInstance {
			return apiErr(codeQuota, "instance %s already has %d Lambda functions, its quota (LambdasPerInstance)", instID, n)
		}
		return store.PutJSON(tx, key, &lambdaRecord{FunctionArn: in.FunctionArn, ClientToken: token, AssociatedTime: s.clock.Now().UTC()})
	})
}

func (s *Service) listLambdas(ctx context.Context, in *api.ListLambdaFunctionsRequest) (*api.ListLambdaFunctionsResponse, error) {
	out := &api.ListLambdaFunctionsResponse{LambdaFunctions: []string{}}
	err := s.view(ctx, func(tx store.Tx) error {
		instID, err := s.instanceID(tx, in.InstanceId)
		if err != nil {
			return err
		}
		recs, next, err := page[lambdaRecord](tx, lambdaPrefix(instID), pageRequest{
			scope: "lambdas/" + instID, token: in.NextToken, max: maxResults(in.MaxResults, 25),
		}, nil)
		if err != nil {
			return err
		}
		for _, r := range recs {
			out.LambdaFunctions = append(out.LambdaFunctions, r.FunctionArn)
		}
		out.NextToken = next
		return nil
	})
	return out, err
}

func (s *Service) disassociateLambda(ctx context.Context, in *api.DisassociateLambdaFunctionRequest) (*struct{}, error) {
	return nil, s.update(ctx, func(tx store.RwTx) error {
		instID, err := s.instanceID(tx, in.InstanceId)
		if err != nil {
			return err
		}
		key := lambdaKey(instID, in.FunctionArn)
		ok, err := store.Exists(tx, key)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("Lambda function %s is not associated with instance %s", in.FunctionArn, instID)
		}
		return tx.Delete([]byte(key))
	})
}

// LambdaAllowed reports whether an instance's flows may invoke a function:
// whether it is on the instance's allow-list. An unknown instance is a
// ResourceNotFoundException. Answers are cached (every invocation asks)
// until the service's next write; errors are not.
func (s *Service) LambdaAllowed(ctx context.Context, instanceID, functionARN string) (bool, error) {
	return s.allowed.Load(allowKey{instanceID, functionARN}, func() (bool, error) {
		var ok bool
		err := s.view(ctx, func(tx store.Tx) error {
			instID, err := s.instanceID(tx, instanceID)
			if err != nil {
				return err
			}
			ok, err = store.Exists(tx, lambdaKey(instID, functionARN))
			return err
		})
		return ok, err
	})
}
