"""Workflow automations: a trigger, conditions and actions as data; the runner
that turns committed changes into durable runs; delays, date triggers, history.
"""
