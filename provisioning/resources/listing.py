"""Reading a type's objects without the cost growing with the realm's size.

A plan reads one bounded page of each listing (`INVENTORY_PAGE` objects). In a
realm of normal size that page holds everything, so every managed object is
found in it with one request. In a realm with thousands of clients or groups
the page is incomplete: the few managed objects it lacks are looked up by
natural key (a request each, proportional to what the files manage, never to
what the realm holds); when the files manage many of them, reading the whole
listing in pages is cheaper than one lookup each, so that is done instead.
Only the first page of hand-made objects is named; `drift` and
`--prune-unmanaged` read the whole listing (`ctx.full_inventory`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

INVENTORY_PAGE = 30  # the plan names this many hand-made objects per type at most; drift names them all
FULL_PAGE = 500
LOOKUP_LIMIT = 50  # beyond this many missing keys, paging through everything costs less than lookups


@dataclass
class Listing:
    items: list[dict]
    complete: bool
    read_all: Callable[[], list[dict]]

    def load_all(self) -> None:
        if not self.complete:
            self.items, self.complete = self.read_all(), True


def read_listing(ctx, name: str, template: str, params: dict | None = None) -> Listing:
    """One bounded page of the listing at ``template`` (or every page with ``ctx.full_inventory``), cached per plan."""
    cache_key = ("listing", name)
    if cache_key in ctx.cache:
        return ctx.cache[cache_key]
    params = dict(params or {})

    def read_all() -> list[dict]:
        return ctx.realm_api.get_all(template, obj=name, params=params, page_size=FULL_PAGE)

    if ctx.full_inventory:
        listing = Listing(read_all(), True, read_all)
    else:
        # One more than the page: its presence says the page is not the whole listing.
        page = ctx.realm_api.get(template, params={**params, "first": 0, "max": INVENTORY_PAGE + 1}, obj=name)
        listing = Listing(page[:INVENTORY_PAGE], len(page) <= INVENTORY_PAGE, read_all)
    ctx.cache[cache_key] = listing
    return listing


def find_by_key(listing: Listing, key_of: Callable[[dict], str], keys: set[str],
                lookup: Callable[[str], dict | None]) -> dict[str, dict]:
    """The objects of ``keys``: from the listing, then by natural key (or the whole listing) for the rest."""
    found = {key_of(item): item for item in listing.items if key_of(item) in keys}
    missing = keys - found.keys()
    if missing and not listing.complete:
        if len(missing) > LOOKUP_LIMIT:
            listing.load_all()
            found = {key_of(item): item for item in listing.items if key_of(item) in keys}
        else:
            for key in sorted(missing):
                item = lookup(key)
                if item is not None:
                    found[key] = item
    return found
