"""The one rule for post slugs: 1-200 letters, digits, '-' or '_'."""
from __future__ import annotations

import re

from marshmallow import validate

PATTERN = "[A-Za-z0-9_-]{1,200}"
MESSAGE = "1-200 characters of letters, digits, '-' and '_'."
_SLUG = re.compile(PATTERN)

# The same rule for marshmallow schemas (queries, imports).
VALIDATOR = validate.Regexp(f"^{PATTERN}$", error=MESSAGE)


def is_slug(value: str) -> bool:
    """Tell whether ``value`` is a valid post slug."""
    return _SLUG.fullmatch(value) is not None
