"""Data in and out of Relais: JSON export and restore of every record, CSV import
of contacts and deals, and a consistent online copy of the whole database.
"""
