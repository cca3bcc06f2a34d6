"""Generic outbound webhooks, signed with HMAC-SHA256 over timestamp and body."""

from freeride.adapters.webhook.config import WebhookConfig
from freeride.adapters.webhook.notify import WebhookNotifier
from freeride.adapters.webhook.signing import SIGNATURE_HEADER, sign, verify

__all__ = ["SIGNATURE_HEADER", "WebhookConfig", "WebhookNotifier", "sign", "verify"]
