"""What wrote a change besides its user: the audit row's ``via``.

A ``WriteContext`` carries it (``via=``) into every event of its writes and
so into their audit rows; ``engine.forms.history`` names it for the reader.
It is ``<kind>`` or ``<kind>:<what>``, short and stable (a definition key,
never a record's title or values): a rule's key, an action's key, how a bulk
operation or the system wrote. ``None``: a person's own edit.
"""

from __future__ import annotations

from typing import Final

#: Rows written by an import (``api.routes.transfer``).
VIA_IMPORT: Final = "import"
#: A pool's automatic return of records nobody followed up (``engine.actions.stale``).
VIA_POOL_AUTO_RETURN: Final = "pool:auto_return"
#: Formulas computed again for stored records after a publish (``builder.operations.formulas``).
VIA_FORMULA_BACKFILL: Final = "formula:backfill"


def via_rule(key: str) -> str:
    """A rule's effects (its writes and whatever those start): ``rule:<key>``."""
    return f"rule:{key}"


def via_action(key: str) -> str:
    """A record action's writes: ``action:<key>``."""
    return f"action:{key}"


def via_bulk(what: str) -> str:
    """A bulk operation: ``bulk:update``, ``bulk:delete``, ``bulk:action:<key>``."""
    return f"bulk:{what}"


def split_via(via: str) -> tuple[str, str]:
    """``("rule", "<key>")`` from ``rule:<key>``; ``("import", "")`` from ``import``."""
    kind, _, what = via.partition(":")
    return kind, what


__all__ = [
    "VIA_FORMULA_BACKFILL",
    "VIA_IMPORT",
    "VIA_POOL_AUTO_RETURN",
    "split_via",
    "via_action",
    "via_bulk",
    "via_rule",
]
