"""The HTTP API: REST under ``/api/v1``, the WebSocket ``/ws``, inbound webhooks, ``/healthz``."""

from freeride.api.app import create_app

__all__ = ["create_app"]
