"""Pictures for people: charts drawn as PNG, for Slack and the command line alike.

An adapter-level package (it reads the engine's public face, ``engine.api``, and
draws with Pillow, already installed for the quote PDF): ``bot/`` uploads what it
draws, ``cli/`` writes it to a file. The engine itself never draws. See
docs/dependencies.md for why Pillow rather than matplotlib.
"""
