package server_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/aws/aws-sdk-go-v2/service/customerprofiles"

	"github.com/hotline-dev/hotline/internal/flowconfig"
	"github.com/hotline-dev/hotline/internal/server"
	"github.com/hotline-dev/hotline/internal/store"
	"github.com/hotline-dev/hotline/internal/store/bolt"
	"github.com/hotline-dev/hotline/internal/testserver"
)

// TestDeleteInstanceDropsItsSettings: the services that keep data per
// instance outside Connect's records (the configuration table, the
// Customer Profiles link) drop it when the instance is deleted.
func TestDeleteInstanceDropsItsSettings(t *testing.T) {
	ctx := context.Background()
	ts := testserver.Start(t, server.Config{})
	cc := ts.Connect()
	inst, err := cc.CreateInstance(ctx, &connect.CreateInstanceInput{IdentityManagementType: types.DirectoryTypeConnectManaged,
		InstanceAlias: aws.String("short-lived"), InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(inst.Id)
	if _, err := customerprofiles.NewFromConfig(ts.AWSConfig()).CreateDomain(ctx, &customerprofiles.CreateDomainInput{
		DomainName: aws.String("d"), DefaultExpirationDays: aws.Int32(30)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Server.Profiles.LinkDomain(ctx, id, "d"); err != nil {
		t.Fatal(err)
	}
	item := flowconfig.Item{"Primary_Key": "HarbourBikes_Default", "Resource_Type": "Queue", "Flag_Queue_CallRecording": "enabled"}
	if _, err := ts.FlowConfig.Put(ctx, id, item, true); err != nil {
		t.Fatal(err)
	}

	if _, err := cc.DeleteInstance(ctx, &connect.DeleteInstanceInput{InstanceId: inst.Id}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := ts.Server.Profiles.LinkedDomain(ctx, id); err != nil || ok {
		t.Errorf("the deleted instance is still linked to a domain (%v)", err)
	}
	// Nothing anywhere in the store names the instance any more.
	ts.RestartWith(t, func() {
		db, err := bolt.Open(filepath.Join(ts.DataDir, "hotline.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		err = db.View(ctx, func(tx store.Tx) error {
			for k := range tx.Scan(nil, nil) {
				if strings.Contains(string(k), id) {
					t.Errorf("key %q is left after DeleteInstance", k)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
