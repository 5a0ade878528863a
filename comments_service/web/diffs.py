"""What an edit changed, for the desk: word by word (difflib), as segments that the template escapes."""
from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

_WORDS = re.compile(r"\s+|[^\s]+")


def segments(before: str, after: str) -> list[tuple[str, str]]:
    """Return ``(kind, text)`` pieces that turn ``before`` into ``after``: kind is same, added or removed."""
    old, new = _WORDS.findall(before), _WORDS.findall(after)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            out.append(("removed", "".join(old[i1:i2])))
        if j2 > j1:
            out.append(("added", "".join(new[j1:j2])))
    return out


def steps(revisions: Sequence[dict[str, Any]], current: str, current_at: Any) -> list[dict[str, Any]]:
    """Return each edit, oldest first: when the text was written and replaced, and what changed."""
    texts = [r["body_source"] for r in revisions] + [current]
    return [{"written_at": r["at"], "replaced_at": r["replaced_at"], "before": r["body_source"],
             "after": texts[n + 1], "changes": segments(r["body_source"], texts[n + 1]),
             "current": n == len(revisions) - 1, "current_at": current_at}
            for n, r in enumerate(revisions)]
