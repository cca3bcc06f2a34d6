"""Fake vendor servers (ASGI apps) speaking each provider's real wire format, faults included.

Unit tests reach them through ``httpx.ASGITransport``; WebSocket and integration tests run them on
a loopback port with ``serve``. The adapters under test are the production code, unchanged.
"""
