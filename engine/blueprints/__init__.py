"""Blueprints: a sales process as states and governed transitions (before, during,
after), for deals and for leads; the one gate every stage change goes through,
the reasons a transition is refused, and the after-actions it runs.
"""
