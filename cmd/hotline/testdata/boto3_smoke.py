"""Drives a live `hotline serve` with boto3: the calls a Connect user makes first.

Usage: python3 boto3_smoke.py ENDPOINT INSTANCE_ID FLOW_FILE
Exits non-zero (with the reason) on any unexpected answer.
"""
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

endpoint, instance, flow_file = sys.argv[1:4]
client = boto3.client(
    "connect",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
    config=Config(retries={"max_attempts": 1}, parameter_validation=False),
)
content = open(flow_file).read()


def expect_error(code, status, fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        got_status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        assert got == code and got_status == status, f"want {code} ({status}), got {got} ({got_status}): {e}"
        assert e.response["Error"]["Message"], f"{code} has no message"
        return e
    raise AssertionError(f"want {code}, got success")


flow = client.create_contact_flow(InstanceId=instance, Name="boto3 flow", Type="CONTACT_FLOW", Content=content)
assert flow["ResponseMetadata"]["RequestId"], "no request id"
flows = client.list_contact_flows(InstanceId=instance)["ContactFlowSummaryList"]
assert any(f["Id"] == flow["ContactFlowId"] for f in flows), flows
described = client.describe_contact_flow(InstanceId=instance, ContactFlowId=flow["ContactFlowId"])["ContactFlow"]
assert described["Content"] == content, "content changed"
assert hasattr(described["LastModifiedTime"], "year"), "timestamp did not parse"

number = client.claim_phone_number(InstanceId=instance, PhoneNumber="+442071234568")
client.associate_phone_number_contact_flow(
    PhoneNumberId=number["PhoneNumberId"], InstanceId=instance, ContactFlowId=flow["ContactFlowId"]
)
client.tag_resource(resourceArn=flow["ContactFlowArn"], tags={"owner": "boto3"})
tags = client.list_tags_for_resource(resourceArn=flow["ContactFlowArn"])["tags"]
assert tags.get("owner") == "boto3", tags

# Bad input through boto3, with client-side validation off.
e = expect_error("InvalidContactFlowException", 400, client.create_contact_flow,
                 InstanceId=instance, Name="bad", Type="CONTACT_FLOW",
                 Content=content.replace('"NextAction": "Hang up"', '"NextAction": "Nowhere"', 1))
assert e.response.get("problems"), f"no problems list: {e.response}"
expect_error("InvalidParameterException", 400, client.create_contact_flow,
             InstanceId=instance, Name="bad", Type="NOT_A_TYPE", Content=content)
expect_error("DuplicateResourceException", 409, client.create_contact_flow,
             InstanceId=instance, Name="boto3 flow", Type="CONTACT_FLOW", Content=content)
expect_error("ResourceNotFoundException", 404, client.describe_contact_flow,
             InstanceId=instance, ContactFlowId="00000000-0000-0000-0000-000000000000")
print("boto3: ok")
