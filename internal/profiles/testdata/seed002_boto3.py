"""Replays seeds/002 with boto3 against a live Hotline and checks the result
field by field, then checks a few bad requests.

Usage: python3 seed002_boto3.py ENDPOINT SEED_JSON DOMAIN
Exits non-zero (with the reason) on any unexpected answer.
"""
import json
import re
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, seed_file, domain = sys.argv[1:4]
seed = json.load(open(seed_file))
client = boto3.client(
    "customer-profiles",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
    config=Config(retries={"max_attempts": 1}, parameter_validation=False),
)


def expect_error(code, status, fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        got_status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        assert got == code and got_status == status, f"want {code} ({status}), got {got} ({got_status}): {e}"
        assert e.response["Error"]["Message"], f"{code} has no message"
        return
    raise AssertionError(f"want {code}, got success")


client.create_domain(DomainName=domain, DefaultExpirationDays=365)
for object_type in seed["objectTypes"]:
    client.put_profile_object_type(DomainName=domain, **object_type)
for obj in seed["objects"]:
    # JSON.stringify in the seed: compact JSON.
    text = json.dumps(obj["Object"], separators=(",", ":"))
    key = client.put_profile_object(DomainName=domain, ObjectTypeName=obj["ObjectTypeName"], Object=text)
    assert key["ProfileObjectUniqueKey"], key

result = client.search_profiles(DomainName=domain, **seed["search"])
items = result["Items"]
assert len(items) == 1, f"want the seed's one profile, got {len(items)}: {items}"
got, want = items[0], seed["result"]["Items"][0]
assert re.fullmatch(r"[a-f0-9]{32}", got["ProfileId"]), got["ProfileId"]
for member, value in want.items():
    if member in ("ProfileId", "Attributes"):
        continue
    if value is None:
        assert member not in got, f"{member} = {got.get(member)!r}, want it unset"
    else:
        assert got.get(member) == value, f"{member} = {got.get(member)!r}, want {value!r}"
assert len(want["Attributes"]) == 14
assert len(got["Attributes"]) == 14, got["Attributes"]
for name, value in want["Attributes"].items():
    assert got["Attributes"].get(name) == value, f"Attributes.{name} = {got['Attributes'].get(name)!r}, want {value!r}"
assert "NextToken" not in result, result

# The standard _email key was indexed from the offer, case-insensitively.
by_email = client.search_profiles(DomainName=domain, KeyName="_email", Values=["TEST@test.com"])["Items"]
assert [p["ProfileId"] for p in by_email] == [got["ProfileId"]], by_email

# Bad input through boto3, with client-side validation off.
expect_error("BadRequestException", 400, client.put_profile_object,
             DomainName=domain, ObjectTypeName="TrialSubscription", Object="{not json")
expect_error("BadRequestException", 400, client.put_profile_object,
             DomainName=domain, ObjectTypeName="TrialSubscription", Object='{"userId": "00002"}')
expect_error("ResourceNotFoundException", 404, client.put_profile_object,
             DomainName=domain, ObjectTypeName="NoSuchType", Object='{"UserId": "00002"}')
expect_error("ResourceNotFoundException", 404, client.get_domain, DomainName=domain + "-missing")
expect_error("BadRequestException", 400, client.search_profiles,
             DomainName=domain, KeyName="_account", Values=["00001"], NextToken="not-a-token")
expect_error("BadRequestException", 400, client.create_domain, DomainName=domain, DefaultExpirationDays=365)
print("boto3: ok")
