"""Block Kit renderers: pure functions from engine records to Slack blocks."""
