"""Fakes of the outside world, as small servers in the test's own event loop."""
