"""Discord's message limits (docs.discord.com: execute webhook, embed limits)."""

CONTENT = 2_000
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL = 6_000  # every embed of one message together: titles, descriptions, fields, footers
TITLE = 256
DESCRIPTION = 4_096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1_024
FOOTER = 2_048
AUTHOR = 256

# Discord error codes seen on webhook execute.
INVALID_FORM_BODY = 50035
UNKNOWN_WEBHOOK = 10015
INVALID_WEBHOOK_TOKEN = 50027
