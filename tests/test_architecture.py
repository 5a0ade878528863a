"""The rules of docs/architecture.md that code can check: who may import what, and how big a module grows."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "comments_service"
MODULES = sorted(PACKAGE.rglob("*.py"))

# library -> the only modules that may import it
ONLY_IN = {
    "bleach": {"sanitize.py"},
    "psycopg": {"database.py"},
    "redis": {"redis_client.py", "cache.py", "cache_fill.py", "cache_store.py", "nearcache.py", "live_store.py"},
    "smtplib": {"mail.py"},
    "standardwebhooks": {"webhook.py"},
}
# Importers may be larger when each file is one concern.
MAX_LINES = 250
LARGER = {"transfer/load.py", "transfer/jsonfile.py"}


def name(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """Return (module, names, level) for every import of a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", [alias.name for alias in node.names], node.level))
    return found


def test_a_module_says_its_one_concern_in_its_first_line():
    missing = [name(p) for p in MODULES if not p.read_text().startswith('"""')
               or len(p.read_text().splitlines()[0].strip('"')) < 15]
    assert missing == []


def test_modules_stay_small():
    large = {name(p): n for p in MODULES if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert set(large) <= LARGER, large


def test_libraries_are_imported_only_where_they_belong():
    wrong = [(name(p), module) for p in MODULES for module, _, level in imports(p)
             if level == 0 and module.split(".")[0] in ONLY_IN and name(p) not in ONLY_IN[module.split(".")[0]]]
    assert wrong == []


def test_no_private_names_of_libraries():
    private = [(name(p), module, names) for p in MODULES for module, names, level in imports(p)
               if level == 0 and (any(part.startswith("_") for part in module.split(".") if part != "__future__")
                                  or any(n.startswith("_") for n in names))]
    assert private == []


def test_the_domain_never_imports_the_http_layers():
    # Only create_app (comments_service/__init__.py) knows both sides.
    domain = [p for p in MODULES if p.parent.name not in ("api", "web") and name(p) != "__init__.py"]
    wrong = [(name(p), module or names) for p in domain for module, names, level in imports(p)
             if level and {"api", "web"} & set([module.split(".")[0]] if module else names)]
    assert wrong == []


def test_views_do_not_touch_the_session_and_only_the_database_module_sets_transaction_modes():
    views = [name(p) for p in MODULES if p.parent.name in ("api", "web") and "db.session" in p.read_text()]
    modes = [name(p) for p in MODULES if p.name != "database.py" and "isolation_level" in p.read_text()]
    assert views == [] and modes == []


def test_only_the_links_module_builds_absolute_urls_from_a_request():
    # Anything else would put an unchecked Host header into a link (docs/architecture.md, links.py).
    files = [p for p in [*MODULES, *PACKAGE.rglob("*.html")] if p.name != "links.py"]
    wrong = [(name(p), word) for p in files
             for word in ("host_url", "url_root", "_external", "request.host") if word in p.read_text()]
    assert wrong == []
