"""Drives `agentpass-sms mcp` with the official Python MCP SDK in its default mode.

mcp.Client probes server/discover first, then validates every structuredContent
against the tool's outputSchema. Run by tests/mcp_python.rs:
    python mcp_client.py BIN DATA_DIR PORT SECRET
"""
import asyncio
import sys

import anyio
import mcp
from mcp_sdk_helpers import Webhooks, ok
from mcp import StdioServerParameters

BIN, DATA_DIR, PORT, SECRET = sys.argv[1:5]
BASE = f"http://127.0.0.1:{PORT}"
HOOKS = Webhooks(BASE, SECRET)
inject, inject_later = HOOKS.inject, HOOKS.inject_later


async def main():
    env = {"AGENTPASS_DATA_DIR": DATA_DIR, "AGENTPASS_LISTEN": f"127.0.0.1:{PORT}",
           "WEBHOOK_SECRET": SECRET, "RUST_LOG": "warn"}
    async with mcp.Client(StdioServerParameters(command=BIN, args=["mcp"], env=env)) as client:
        print("protocol", client.protocol_version)
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == {"get_phone_number", "wait_for_sms", "extract_otp_from_sms",
                              "release_phone_number", "wait_for_otp", "list_sms"}, tools.keys()
        for t in tools.values():
            assert t.input_schema["type"] == "object" and t.output_schema["type"] == "object", t.name

        a = ok(await client.call_tool("get_phone_number", {"passport_id": "ap_py1"}))["phone_number"]
        assert ok(await client.call_tool("get_phone_number", {"passport_id": "ap_py1"}))["phone_number"] == a
        b = ok(await client.call_tool("get_phone_number", {"passport_id": "ap_py2"}))["phone_number"]
        assert a != b

        assert ok(await client.call_tool("extract_otp_from_sms", {"sms_body": "G-482913 is your code"})) == {"code": "482913"}
        assert ok(await client.call_tool("extract_otp_from_sms", {"sms_body": "no code"})) == {"code": None}

        r = await client.call_tool("wait_for_sms", {"phone_number": a, "timeout": 200})
        assert r.is_error and r.content[0].text == f"Wait for SMS failed: Timed out waiting for SMS to {a}", r

        # A wait and an injection in one session, with progress.
        seen = []

        async def on_progress(progress, total, message):
            seen.append(progress)

        async with anyio.create_task_group() as tg:
            tg.start_soon(inject_later, 1.5, "SM" + "a1" * 16, a, "Your code is 111222")
            r = await client.call_tool("wait_for_sms", {"phone_number": a, "timeout": 10000},
                                       progress_callback=on_progress)
        sms = ok(r)
        assert sms["id"] == "SM" + "a1" * 16 and sms["to"] == a and sms["body"] == "Your code is 111222", sms
        assert len(seen) >= 1, seen

        # A cancelled wait leaves the message for the next one.
        with anyio.move_on_after(0.5):
            await client.call_tool("wait_for_sms", {"phone_number": b, "timeout": 60000})
        await anyio.sleep(0.3)
        await anyio.to_thread.run_sync(inject, "SM" + "b2" * 16, b, "Code: 333444")
        otp = ok(await client.call_tool("wait_for_otp", {"phone_number": b, "timeout": 5000}))
        assert otp["code"] == "333444" and otp["sms"]["id"] == "SM" + "b2" * 16, otp

        page = ok(await client.call_tool("list_sms", {"phone_number": b}))
        assert [m["id"] for m in page["messages"]] == ["SM" + "b2" * 16] and page["next_cursor"] is None, page

        rel = ok(await client.call_tool("release_phone_number", {"passport_id": "ap_py1"}))
        assert rel == {"phone_number": a, "released": True}, rel
        r = await client.call_tool("release_phone_number", {"passport_id": "ap_py1"})
        assert r.is_error, r
    print("python mcp client: all checks passed")


asyncio.run(main())
