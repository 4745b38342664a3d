"""Export, restore, CSV import and online copies of the database.

Part of the public face adapters import (see :mod:`engine.api`)."""

from typing import TYPE_CHECKING

from engine.api import _lazy

if TYPE_CHECKING:
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
else:
    __getattr__ = _lazy.names(
        __name__,
        {
            "Backup": "engine.data.export",
            "CopyRefused": "engine.store.copy",
            "CopyReport": "engine.store.copy",
            "CsvStyle": "engine.data.csv_cells",
            "ENTITIES": "engine.data.export",
            "EXCEL": "engine.data.csv_cells",
            "Entity": "engine.data.csv_import",
            "ImportReport": "engine.data.csv_import",
            "PLAIN": "engine.data.csv_cells",
            "TableCopy": "engine.store.copy",
            "export_all": "engine.data.export",
            "import_csv": "engine.data.csv_import",
            "restore_all": "engine.data.export",
            "take": "engine.data.snapshot",
            "write_csv": "engine.data.export",
            "write_csv_folder": "engine.data.export",
        },
    )

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
