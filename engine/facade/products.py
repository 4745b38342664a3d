"""The products part: the catalogue quotes are made of."""

from __future__ import annotations

from collections.abc import Iterable

from engine.actors import Actor
from engine.cpq import products
from engine.cpq.catalogue import Product
from engine.cpq.products import ImportResult
from engine.facade.base import Part, require_admin


class Products(Part):
    """Owns the catalogue: products imported by code (admins), read, searched."""

    async def import_all(self, items: Iterable[Product], actor: Actor) -> ImportResult:
        """Create or update catalogue products by code (admins only)."""
        require_admin(actor, "admin_only.catalogue")
        chosen = list(items)
        return await self._write(lambda tx: products.import_products(tx, chosen), actor)

    async def get(self, code: str) -> Product:
        return await self._read(lambda c: products.get_product(c, code))

    async def search(self, text: str, limit: int = 25) -> list[Product]:
        """Active products matching ``text`` (Slack's external select)."""
        return await self._read(lambda c: products.search_products(c, text, limit))
