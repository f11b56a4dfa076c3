"""Runs the calculated-attributes scenario of calculated_clients_test.go with
boto3 against a live Hotline and checks every value, then one bad request.

Usage: python3 calculated_boto3.py ENDPOINT SCENARIO_JSON DOMAIN
Exits non-zero (with the reason) on any unexpected answer.
"""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, scenario_file, domain = sys.argv[1:4]
sc = json.load(open(scenario_file))
client = boto3.client(
    "customer-profiles",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
    config=Config(retries={"max_attempts": 1}),
)

client.create_domain(DomainName=domain, DefaultExpirationDays=365)
client.put_profile_object_type(DomainName=domain, ObjectTypeName=sc["ObjectTypeName"], **sc["ObjectType"])
for definition in sc["Definitions"]:
    out = client.create_calculated_attribute_definition(DomainName=domain, **definition)
    assert out["CalculatedAttributeName"] == definition["CalculatedAttributeName"], out
    assert out["Statistic"] == definition["Statistic"], out
names = [d["CalculatedAttributeName"] for d in sc["Definitions"]]
listed = client.list_calculated_attribute_definitions(DomainName=domain)["Items"]
assert [it["CalculatedAttributeName"] for it in listed] == sorted(names), listed
got = client.get_calculated_attribute_definition(DomainName=domain, CalculatedAttributeName=names[0])
assert got["AttributeDetails"] == sc["Definitions"][0]["AttributeDetails"], got
assert got["Conditions"] == sc["Definitions"][0]["Conditions"], got
assert got["Status"] == "COMPLETED", got
for text in sc["Objects"]:
    client.put_profile_object(DomainName=domain, ObjectTypeName=sc["ObjectTypeName"], Object=text)

items = client.search_profiles(DomainName=domain, KeyName="_account", Values=[sc["Account"]])["Items"]
assert len(items) == 1, items
profile = items[0]["ProfileId"]

for name, want in sc["Want"].items():
    out = client.get_calculated_attribute_for_profile(DomainName=domain, CalculatedAttributeName=name, ProfileId=profile)
    assert out.get("Value") == want, f"{name} = {out.get('Value')!r}, want {want!r}"
    assert out["IsDataPartial"] == "false", out

listed = client.list_calculated_attributes_for_profile(DomainName=domain, ProfileId=profile)["Items"]
got = {it["CalculatedAttributeName"]: it["Value"] for it in listed}
assert got == sc["Want"], f"listed {got}, want {sc['Want']}"
assert [it["CalculatedAttributeName"] for it in listed] == sorted(sc["Want"]), listed

missing = "f" * 32
out = client.batch_get_calculated_attribute_for_profile(
    DomainName=domain, CalculatedAttributeName="purchases", ProfileIds=[profile, missing])
values = [(v["ProfileId"], v["Value"]) for v in out["CalculatedAttributeValues"]]
assert values == [(profile, sc["Want"]["purchases"])], values
errors = [(e["ProfileId"], e["Code"]) for e in out["Errors"]]
assert errors == [(missing, "ResourceNotFoundException")], errors

# A definition created twice is refused.
try:
    client.create_calculated_attribute_definition(DomainName=domain, **sc["Definitions"][0])
except ClientError as e:
    code = e.response["Error"]["Code"]
    status = e.response["ResponseMetadata"]["HTTPStatusCode"]
    assert (code, status) == ("BadRequestException", 400), f"{code} ({status}): {e}"
    assert "already exists" in e.response["Error"]["Message"], e
else:
    raise AssertionError("a duplicate definition was accepted")

print("boto3: ok")
