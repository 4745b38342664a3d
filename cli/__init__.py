"""Command-line adapter: ``run.py`` sub-commands over the engine.

Each module registers its sub-commands with ``register(subparsers)``; a
command is an ``async def handler(args, ctx) -> int`` (the exit code).
"""
