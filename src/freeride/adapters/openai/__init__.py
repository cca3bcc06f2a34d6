"""OpenAI as a ``SentimentModel``: structured output, N stories per request, the Batch API."""
