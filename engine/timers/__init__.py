"""Everything that falls due: blueprint escalations and automatic transitions for
deals and leads, activity reminders and the morning digest.
"""
