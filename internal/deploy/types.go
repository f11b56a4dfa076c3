package deploy

import (
	"context"
	"slices"
	"strings"

	"github.com/hotline-dev/hotline/internal/deploy/stacks"
)

// Resource types hotline deploy carries out.
const (
	typeFlow           = "AWS::Connect::ContactFlow"
	typeModule         = "AWS::Connect::ContactFlowModule"
	typeHours          = "AWS::Connect::HoursOfOperation"
	typeQueue          = "AWS::Connect::Queue"
	typePhone          = "AWS::Connect::PhoneNumber"
	typeAssociation    = "AWS::Connect::IntegrationAssociation"
	typeTable          = "AWS::DynamoDB::Table"
	typeSAMFunction    = "AWS::Serverless::Function"
	typeLambdaFunction = "AWS::Lambda::Function"
)

// spec is a resource's desired state, read from its properties.
type spec interface {
	// apply makes the resource exist as specified (or, in a dry run, says
	// what it would do) and returns what Ref and Fn::GetAtt answer for it.
	// prev is what the stack's state recorded of it, nil when nothing.
	apply(ctx context.Context, d *run, id string, prev *stacks.Resource) (*stacks.Resource, Action, error)
}

// typeInfo describes a resource type deploy carries out.
type typeInfo struct {
	// rank orders resources that are ready at the same time: bindings and
	// tables before the Connect resources that use them, and flows, which
	// refer to everything, last. It also makes a bad function binding fail
	// before any Connect resource is made.
	rank int
	// attrs are the Fn::GetAtt attribute names; Ref is always available.
	attrs []string
	// build reads the properties; problems are recorded in p.
	build func(d *run, id string, p *props) spec
}

var typeInfos = map[string]*typeInfo{
	typeSAMFunction:    {rank: 1, attrs: []string{"Arn"}, build: buildFunction},
	typeLambdaFunction: {rank: 1, attrs: []string{"Arn"}, build: buildFunction},
	typeTable:          {rank: 2, attrs: []string{"Arn", "StreamArn"}, build: buildTable},
	typeAssociation:    {rank: 3, attrs: []string{"IntegrationAssociationId"}, build: buildAssociation},
	typeHours:          {rank: 4, attrs: []string{"HoursOfOperationArn"}, build: buildHours},
	typePhone:          {rank: 5, attrs: []string{"Address", "PhoneNumberArn"}, build: buildPhone},
	typeQueue:          {rank: 6, attrs: []string{"QueueArn", "Type"}, build: buildQueue},
	typeModule:         {rank: 7, attrs: []string{"ContactFlowModuleArn", "Status"}, build: buildModule},
	typeFlow:           {rank: 8, attrs: []string{"ContactFlowArn"}, build: buildFlow},
}

// SupportedTypes lists the resource types hotline deploy carries out.
func SupportedTypes() []string { return sortedKeys(typeInfos) }

// skipReason says why a resource type is left out, or ok false when the
// type must not be skipped: an Amazon Connect type deploy does not support
// fails the deploy instead, since the flows would run without it.
func skipReason(typ string) (reason string, ok bool) {
	switch {
	case strings.HasPrefix(typ, "AWS::Connect::"):
		return "", false
	case strings.HasPrefix(typ, "AWS::IAM::"):
		return "IAM: Hotline does not check AWS permissions", true
	case strings.HasPrefix(typ, "AWS::Logs::"):
		return "logs: Hotline logs to its own output", true
	case typ == "AWS::Lambda::Permission":
		return "Lambda permission: Hotline checks the instance's allow-list, which IntegrationAssociation fills", true
	case strings.HasPrefix(typ, "AWS::Lambda::"), strings.HasPrefix(typ, "AWS::Serverless::"):
		return "Lambda packaging: a function's binding says what runs", true
	case strings.HasPrefix(typ, "AWS::CloudWatch::"), strings.HasPrefix(typ, "AWS::SNS::"), strings.HasPrefix(typ, "AWS::SQS::"):
		return "monitoring and messaging: Hotline has no equivalent", true
	}
	return "no Hotline equivalent", true
}

func hasAttr(typ, attr string) bool {
	info, ok := typeInfos[typ]
	return ok && slices.Contains(info.attrs, attr)
}
