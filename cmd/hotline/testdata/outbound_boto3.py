"""StartOutboundVoiceContact and the contact APIs through boto3 against a
live `hotline serve` (see outbound_e2e_test.go, which starts the servers
with the number plan below and runs this script).

    python3 outbound_boto3.py functional ENDPOINT INSTANCE FLOW MENU_FLOW SOURCE OTHER_SOURCE
    python3 outbound_boto3.py throttle ENDPOINT INSTANCE FLOW SOURCE

Retries are off, so every throttling and quota answer is seen as sent.
"""

import concurrent.futures
import datetime
import json
import sys
import threading
import time
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.config import Config
from botocore.exceptions import ClientError

# The number plan `hotline serve` runs with (outbound_e2e_test.go).
BUSY, NO_ANSWER, FAIL, INVALID, MACHINE, HANGS_UP, ANSWERS, SLOW, PRESSES = (
    "+15550000001", "+15550000002", "+15550000004", "+15550000005", "+15550000006",
    "+15550000007", "+15550000008", "+15550000010", "+15550000009")


def client(endpoint, validate=True):
    # parameter_validation=False lets the server see what botocore would
    # refuse itself (RingTimeoutInSeconds under its model minimum).
    return boto3.client(
        "connect", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, max_pool_connections=100,
                      parameter_validation=validate))


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def expect_error(fn, code, status, what):
    try:
        fn()
    except ClientError as e:
        got = e.response["Error"]["Code"]
        got_status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        check(got == code and got_status == status,
              "%s: got %s (%d) %s, want %s (%d)" % (what, got, got_status, e.response["Error"].get("Message"), code, status))
        check(e.response["Error"].get("Message"), "%s: %s has no message" % (what, code))
        return
    raise AssertionError("%s: no error, want %s" % (what, code))


class Rig:
    def __init__(self, endpoint, instance, flow, source):
        self.c = client(endpoint)
        self.endpoint, self.instance, self.flow, self.source = endpoint, instance, flow, source

    def request(self, to, **kw):
        req = dict(InstanceId=self.instance, ContactFlowId=self.flow, DestinationPhoneNumber=to,
                   SourcePhoneNumber=self.source, Attributes={"name": "Ada"})
        req.update(kw)
        return {k: v for k, v in req.items() if v is not None}

    def start(self, to, **kw):
        return self.c.start_outbound_voice_contact(**self.request(to, **kw))["ContactId"]

    def describe(self, cid):
        return self.c.describe_contact(InstanceId=self.instance, ContactId=cid)["Contact"]

    def wait_end(self, cid, limit=15):
        deadline = time.time() + limit
        while time.time() < deadline:
            c = self.describe(cid)
            if "DisconnectTimestamp" in c:
                return c
            time.sleep(0.05)
        raise AssertionError("contact %s did not end within %ss" % (cid, limit))

    def count(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        out = self.c.search_contacts(
            InstanceId=self.instance,
            TimeRange={"Type": "INITIATION_TIMESTAMP", "StartTime": now - datetime.timedelta(hours=1),
                       "EndTime": now + datetime.timedelta(hours=1)})
        return out["TotalCount"]

    def stop(self, cid):
        self.c.stop_contact(InstanceId=self.instance, ContactId=cid)

    def put_plan(self, plan):
        """PUT /_hotline/number-plan, signed like every Hotline endpoint."""
        body = json.dumps(plan).encode()
        req = botocore.awsrequest.AWSRequest(method="PUT", url=self.endpoint + "/_hotline/number-plan", data=body,
                                             headers={"Content-Type": "application/json"})
        botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "hotline", "us-east-1").add_auth(req)
        prepared = req.prepare()
        r = urllib.request.Request(prepared.url, data=body, method="PUT", headers=dict(prepared.headers))
        with urllib.request.urlopen(r) as resp:
            return json.loads(resp.read())


def functional(endpoint, instance, flow, menu_flow, source, other_source):
    r = Rig(endpoint, instance, flow, source)

    # An answered call: live at once, then connected, then ended by the flow.
    cid = r.start(ANSWERS)
    c = r.describe(cid)
    check(c["Channel"] == "VOICE" and c["InitiationMethod"] == "API", "channel/method %s" % c)
    check(c["CustomerEndpoint"]["Address"] == ANSWERS and c["SystemEndpoint"]["Address"] == source, "endpoints %s" % c)
    check("DisconnectTimestamp" not in c, "ended at once: %s" % c)
    c = r.wait_end(cid)
    check(c["DisconnectReason"] == "CONTACT_FLOW_DISCONNECT", "answered: %s" % c.get("DisconnectReason"))
    check("ConnectedToSystemTimestamp" in c and c["Attributes"].get("greeted") == "yes", "answered: %s" % c)

    # Each far-end behaviour of the number plan.
    for to, reason, connected in [(BUSY, "TELECOM_BUSY", False), (FAIL, "TELECOM_PROBLEM", False),
                                  (INVALID, "TELECOM_NUMBER_INVALID", False),
                                  (MACHINE, "CONTACT_FLOW_DISCONNECT", True), (HANGS_UP, "CUSTOMER_DISCONNECT", True)]:
        c = r.wait_end(r.start(to))
        check(c["DisconnectReason"] == reason, "%s: %s, want %s" % (to, c["DisconnectReason"], reason))
        check(("ConnectedToSystemTimestamp" in c) == connected, "%s: connected %s" % (to, c))

    # The number plan over HTTP: a customer who presses 1 in the menu flow.
    plan = r.put_plan({"rules": [{"prefix": PRESSES, "result": "answer", "ring": "0.1s", "customer": {"presses": ["1"]}}]})
    check(plan["rules"][0]["prefix"] == PRESSES, "plan %s" % plan)
    c = r.wait_end(r.start(PRESSES, ContactFlowId=menu_flow))
    check(c["Attributes"].get("confirmed") == "yes", "the customer's key: %s" % c)

    # Every validation error, with its name and status, and nothing stored.
    raw = client(endpoint, validate=False)
    before = r.count()
    over = "é" * 16380 + "x"  # with name=Ada and key k: 32,769 bytes
    for what, kw, code, status in [
        ("destination without +", dict(DestinationPhoneNumber="12025550123"), "InvalidParameterException", 400),
        ("source +0", dict(SourcePhoneNumber="+0123"), "InvalidParameterException", 400),
        ("source not claimed", dict(SourcePhoneNumber="+12025550999"), "ResourceNotFoundException", 404),
        ("source of another instance", dict(SourcePhoneNumber=other_source), "ResourceNotFoundException", 404),
        ("neither source nor queue", dict(SourcePhoneNumber=None), "InvalidRequestException", 400),
        ("unknown queue", dict(QueueId="00000000-0000-0000-0000-000000000000"), "ResourceNotFoundException", 404),
        ("flow ARN", dict(ContactFlowId="arn:aws:connect:us-east-1:000000000000:instance/%s/contact-flow/%s" % (instance, flow)),
         "InvalidParameterException", 400),
        ("unknown flow", dict(ContactFlowId="00000000-0000-0000-0000-000000000000"), "ResourceNotFoundException", 404),
        ("unknown instance", dict(InstanceId="00000000-0000-0000-0000-000000000000"), "ResourceNotFoundException", 404),
        ("UK mobile", dict(DestinationPhoneNumber="+447700900123"), "DestinationNotAllowedException", 403),
        ("attribute key", dict(Attributes={"bad key": "x"}), "InvalidParameterException", 400),
        ("32,769 bytes", dict(Attributes={"name": "Ada", "k": over}), "InvalidParameterException", 400),
        ("detection without CAMPAIGN", dict(AnswerMachineDetectionConfig={"EnableAnswerMachineDetection": True}),
         "InvalidRequestException", 400),
        ("CAMPAIGN not allowed", dict(TrafficType="CAMPAIGN"), "OutboundContactNotPermittedException", 403),
        ("ring timeout 14", dict(RingTimeoutInSeconds=14), "InvalidParameterException", 400),
        ("ring timeout 61", dict(RingTimeoutInSeconds=61), "InvalidParameterException", 400),
        ("ATTACHMENT reference", dict(References={"f": {"Type": "ATTACHMENT", "Value": "x"}}), "InvalidParameterException", 400),
        ("unknown related contact", dict(RelatedContactId="nobody"), "ResourceNotFoundException", 404),
    ]:
        expect_error(lambda: raw.start_outbound_voice_contact(**r.request(ANSWERS, **kw)), code, status, what)
    check(r.count() == before, "refused requests stored contacts")
    r.wait_end(r.start(BUSY, Attributes={"name": "Ada", "k": over[:-1]}))  # exactly 32,768 bytes

    # ClientToken: the same contact while live, a new one after it ended,
    # exactly one under concurrency.
    first = r.start(SLOW, ClientToken="boto3-token")
    check(r.start(SLOW, ClientToken="boto3-token") == first, "a retry while live started another contact")
    r.stop(first)
    c = r.describe(first)
    check(c["DisconnectReason"] == "API", "stopped: %s" % c.get("DisconnectReason"))
    expect_error(lambda: r.stop(first), "ContactNotFoundException", 410, "stopping twice")
    second = r.start(SLOW, ClientToken="boto3-token")
    check(second != first, "the token returned an ended contact")
    r.stop(second)
    before = r.count()
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        ids = set(pool.map(lambda _: Rig(endpoint, instance, flow, source).start(SLOW, ClientToken="one-token"), range(20)))
    check(len(ids) == 1 and r.count() == before + 1, "20 concurrent requests with one token: %s" % ids)
    r.stop(ids.pop())

    # Attribute updates on a live call, at and over the limit.
    cid = r.start(SLOW)
    pad = "é" * 16379  # name=Ada (7) + pad (3) + 32,758 = 32,768
    r.c.update_contact_attributes(InstanceId=instance, InitialContactId=cid, Attributes={"pad": pad})
    expect_error(lambda: r.c.update_contact_attributes(InstanceId=instance, InitialContactId=cid, Attributes={"pad": pad + "x"}),
                 "InvalidParameterException", 400, "32,769 bytes by update")
    got = r.c.get_contact_attributes(InstanceId=instance, InitialContactId=cid)["Attributes"]
    check(got["pad"] == pad and got["name"] == "Ada", "attributes after a refused update")

    # The concurrent active calls quota (3 for this server): one is live.
    live = [cid, r.start(SLOW), r.start(SLOW)]
    expect_error(lambda: r.start(SLOW), "LimitExceededException", 429, "over the quota")
    r.stop(live.pop())
    live.append(r.start(SLOW))
    for cid in live:
        r.stop(cid)


def throttle(endpoint, instance, flow, source):
    """100 requests at once against a bucket of 5 that refills slowly
    (outbound_e2e_test.go sets the rate): exactly 5 pass."""
    rigs = [Rig(endpoint, instance, flow, source) for _ in range(100)]
    gate = threading.Barrier(100)

    def attempt(rig):
        gate.wait()
        try:
            rig.start(BUSY)
            return "ok"
        except ClientError as e:
            return "%s %d" % (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])

    with concurrent.futures.ThreadPoolExecutor(100) as pool:
        got = list(pool.map(attempt, rigs))
    check(got.count("ok") == 5, "100 concurrent requests: %d accepted, want 5" % got.count("ok"))
    check(got.count("TooManyRequestsException 429") == 95, "the others: %s" % sorted(set(got)))
    expect_error(lambda: rigs[0].start(BUSY), "TooManyRequestsException", 429, "right after the burst")


if __name__ == "__main__":
    {"functional": functional, "throttle": throttle}[sys.argv[1]](*sys.argv[2:])
    print("ok")
