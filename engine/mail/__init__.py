"""Inbound mail: the raw mail store (kept whole before the 250) and the intake
decisions that turn a stored mail into a lead, a deal or an activity.
"""
