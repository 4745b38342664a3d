"""Export, restore, CSV import and online copies of the database.

Part of the public face adapters import (see :mod:`engine.api`)."""

from engine.data.csv_cells import EXCEL, PLAIN, CsvStyle
from engine.data.csv_import import Entity, ImportReport, import_csv
from engine.data.export import (
    ENTITIES,
    Backup,
    export_all,
    restore_all,
    write_csv,
    write_csv_folder,
)
from engine.data.snapshot import take
from engine.store.copy import CopyRefused, CopyReport, TableCopy

__all__ = [
    "ENTITIES",
    "EXCEL",
    "PLAIN",
    "Backup",
    "CopyRefused",
    "CopyReport",
    "CsvStyle",
    "Entity",
    "ImportReport",
    "TableCopy",
    "export_all",
    "import_csv",
    "restore_all",
    "take",
    "write_csv",
    "write_csv_folder",
]
