"""What tests/mcp_client.py (stdio) and tests/mcp_http_client.py (Streamable HTTP) share:
a webhook signed exactly as Twilio signs it, and the structured result of a tool call."""
import base64
import hashlib
import hmac
import urllib.parse
import urllib.request

import anyio


class Webhooks:
    """Posts inbound SMS to the service at `base`, signed with `token`."""

    def __init__(self, base, token):
        self.url = f"{base}/webhook/sms-received"
        self.token = token

    def inject(self, sid, to, body):
        params = {"MessageSid": sid, "From": "+14155550100", "To": to, "Body": body}
        data = self.url + "".join(k + params[k] for k in sorted(params))
        digest = hmac.new(self.token.encode(), data.encode(), hashlib.sha1).digest()
        headers = {"X-Twilio-Signature": base64.b64encode(digest).decode()}
        req = urllib.request.Request(self.url, urllib.parse.urlencode(params).encode(), headers)
        with urllib.request.urlopen(req) as r:
            assert r.status == 200, r.status

    async def inject_later(self, delay, *args):
        await anyio.sleep(delay)
        await anyio.to_thread.run_sync(self.inject, *args)


def ok(r):
    """The structured result of a successful tool call."""
    assert not r.is_error, r.content
    return r.structured_content
