"""The sales team's records: users, contacts and organisations, leads, deals,
activities, pipelines and stages, projects, the timeline of every change,
optimistic versions, and the typed reads the board and the reps look at.
``setup/`` makes the database say what a whole set-up says (pipelines, users,
project templates: ``config apply``) and reads it back for an export.
"""
