#!/usr/bin/env python3
"""Relais entry point: ``python run.py [COMMAND]`` (``serve`` by default; see ``--help``)."""

import sys

from cli.main import main

if __name__ == "__main__":
    sys.exit(main())
