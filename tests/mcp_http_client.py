"""Drives `serve`'s /mcp endpoint with the official Python MCP SDK's Streamable HTTP client.

Run by tests/mcp_python.rs against a running service:
    python mcp_http_client.py BASE ADMIN_KEY SCOPED_KEY WEBHOOK_TOKEN
SCOPED_KEY may act only for passport ap_h1.
"""
import asyncio
import json
import sys
import urllib.error
import urllib.request

import anyio
import mcp
from mcp_sdk_helpers import Webhooks, ok
from mcp.client.streamable_http import streamable_http_client
from mcp.client.subscriptions import ResourceUpdated
from mcp.shared._httpx_utils import create_mcp_http_client

BASE, ADMIN_KEY, SCOPED_KEY, TOKEN = sys.argv[1:5]
URL = f"{BASE}/mcp"
HOOKS = Webhooks(BASE, TOKEN)
inject, inject_later = HOOKS.inject, HOOKS.inject_later


def refused(r):
    assert r.is_error, r
    text = r.content[0].text
    assert "not allowed to access that passport or number" in text, text
    return text


def connect(key):
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}"})
    return mcp.Client(streamable_http_client(URL, http_client=http))


def unauthenticated_is_401():
    body = b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    for extra in ({}, {"Authorization": "Bearer wrong-key"}):
        req = urllib.request.Request(URL, body, {**headers, **extra})
        try:
            urllib.request.urlopen(req)
            raise AssertionError(f"no 401 for {extra}")
        except urllib.error.HTTPError as e:
            assert e.code == 401, e.code


async def main():
    unauthenticated_is_401()
    async with connect(ADMIN_KEY) as admin, connect(SCOPED_KEY) as agent:
        print("protocol", agent.protocol_version)
        tools = {t.name for t in (await agent.list_tools()).tools}
        assert tools == {"get_phone_number", "wait_for_sms", "extract_otp_from_sms",
                         "release_phone_number", "wait_for_otp", "list_sms"}, tools

        # Assign: sticky, and the scope is enforced on every tool.
        a = ok(await agent.call_tool("get_phone_number", {"passport_id": "ap_h1"}))["phone_number"]
        assert ok(await agent.call_tool("get_phone_number", {"passport_id": "ap_h1"}))["phone_number"] == a
        refused(await agent.call_tool("get_phone_number", {"passport_id": "ap_other"}))
        b = ok(await admin.call_tool("get_phone_number", {"passport_id": "ap_other"}))["phone_number"]
        assert a != b
        refused(await agent.call_tool("wait_for_sms", {"phone_number": b, "timeout": 100}))
        refused(await agent.call_tool("wait_for_otp", {"phone_number": b, "timeout": 100}))
        refused(await agent.call_tool("list_sms", {"phone_number": b}))
        refused(await agent.call_tool("release_phone_number", {"passport_id": "ap_other"}))

        # A wait with an SMS injected meanwhile, with progress.
        seen = []

        async def on_progress(progress, total, message):
            seen.append(progress)

        sid = "SM" + "c3" * 16
        async with anyio.create_task_group() as tg:
            tg.start_soon(inject_later, 1.5, sid, a, "Your code is 555666")
            r = await agent.call_tool("wait_for_sms", {"phone_number": a, "timeout": 10000},
                                      progress_callback=on_progress)
        sms = ok(r)
        assert sms["id"] == sid and sms["to"] == a and sms["code"] == "555666", sms
        assert len(seen) >= 1, seen

        # A cancelled wait leaves the message for the next one.
        with anyio.move_on_after(0.5):
            await agent.call_tool("wait_for_sms", {"phone_number": a, "timeout": 60000})
        await anyio.sleep(0.3)
        sid = "SM" + "d4" * 16
        await anyio.to_thread.run_sync(inject, sid, a, "Code: 777888")
        otp = ok(await agent.call_tool("wait_for_otp", {"phone_number": a, "timeout": 5000}))
        assert otp["code"] == "777888" and otp["sms"]["id"] == sid, otp

        page = ok(await agent.call_tool("list_sms", {"phone_number": a}))
        assert [m["id"] for m in page["messages"]] == ["SM" + "d4" * 16, "SM" + "c3" * 16], page

        # The held number is a resource; subscriptions/listen hears a new message on it.
        uri = f"sms://{a}/messages"
        listed = [str(r.uri) for r in (await agent.list_resources()).resources]
        assert listed == [uri], listed
        async with agent.listen(resource_subscriptions=[uri]) as sub:
            assert list(sub.honored.resource_subscriptions) == [uri], sub.honored
            sid = "SM" + "e5" * 16
            await anyio.to_thread.run_sync(inject, sid, a, "Your code is 135790")
            with anyio.fail_after(10):
                event = await sub.__anext__()
            assert isinstance(event, ResourceUpdated) and event.uri == uri, event
        page = json.loads((await agent.read_resource(uri)).contents[0].text)
        assert page["messages"][0]["id"] == sid and page["messages"][0]["code"] == "135790", page

        rel = ok(await agent.call_tool("release_phone_number", {"passport_id": "ap_h1"}))
        assert rel == {"phone_number": a, "released": True}, rel
        # Released: the scoped key no longer reaches the number.
        refused(await agent.call_tool("list_sms", {"phone_number": a}))
    print("python streamable http client: all checks passed")


asyncio.run(main())
