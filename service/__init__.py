"""The running service: lifecycle, web server (/healthz, /metrics, Slack), logs, scheduler."""
