"""The expand-then-contract rule, checked on a migration's source: what old code still running could not survive.

A deploy runs ``db upgrade`` while processes on the previous code still serve.
So an upgrade may only expand: new tables, new nullable columns, new columns
with a server default, indexes. Contracting (dropping, renaming, making a
column NOT NULL, changing its type) comes in a later revision of its own,
once no running code uses what it removes; that revision says so in a
``Contract:`` line of its docstring, and the code of its own release maps
nothing it drops or renames. A revision locks at most one table that already
exists: holding one while waiting for another deadlocks with requests that
take them in the other order (migrations/env.py commits each revision apart).
Only ``upgrade()`` is read.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import MetaData

EXPAND = {"add_column", "create_table"}
CONTRACT = {"drop_column", "drop_table", "rename_table"}
# Operations that lock the table they name.
LOCKING = {"add_column", "alter_column", "drop_column", "create_index", "drop_index", "create_unique_constraint",
           "create_check_constraint", "create_foreign_key", "create_primary_key", "drop_constraint",
           "drop_table", "rename_table"}
# Operations whose first argument is a name of their own, the table coming second.
NAMED_FIRST = {"create_index", "drop_index", "create_unique_constraint", "create_check_constraint",
               "create_foreign_key", "create_primary_key", "drop_constraint"}
SQL_NOT_NULL_ADD = re.compile(r"\bADD\s+(COLUMN\s+)?(?P<column>\w+)\b[^,;]*\bNOT\s+NULL\b", re.I)
SQL_CONTRACT = re.compile(r"\bDROP\s+(COLUMN|TABLE)\b|\bRENAME\b|\bSET\s+NOT\s+NULL\b|"
                          r"\bALTER\s+COLUMN\s+\w+\s+(SET\s+DATA\s+)?TYPE\b", re.I)
SQL_TABLE = re.compile(r"\b(?:ALTER\s+TABLE|INDEX(?:\s+CONCURRENTLY)?\s+(?:\w+\s+)?ON)\s+(?:ONLY\s+)?(\w+)", re.I)


@dataclass
class Operation:
    """One ``op.x(...)`` or ``batch_op.x(...)`` call: its name, its table, its arguments after the table."""

    name: str
    table: str | None
    args: list[ast.expr]
    call: ast.Call

    def keyword(self, name: str) -> ast.expr | None:
        return next((k.value for k in self.call.keywords if k.arg == name), None)

    def column(self) -> object:
        return constant(self.args[0]) if self.args else None


def constant(node: ast.expr | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def sql_text(node: ast.expr) -> str:
    """Return the SQL of ``"..."`` or ``sa.text("...")``."""
    if isinstance(node, ast.Call) and node.args:
        node = node.args[0]
    return str(constant(node) or "")


def calls(node: ast.AST, batches: dict[str, str | None]) -> Iterator[tuple[ast.Call, dict[str, str | None]]]:
    """Yield every call under ``node`` with the batch tables (``with op.batch_alter_table(t) as b``) in scope."""
    if isinstance(node, ast.With):
        batches = dict(batches)
        for item in node.items:
            call = item.context_expr
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "batch_alter_table" and isinstance(item.optional_vars, ast.Name)):
                batches[item.optional_vars.id] = constant(call.args[0]) if call.args else None
    if isinstance(node, ast.Call):
        yield node, batches
    for child in ast.iter_child_nodes(node):
        yield from calls(child, batches)


def operations(upgrade: ast.FunctionDef) -> Iterator[Operation]:
    """Yield every operation of ``upgrade``, with the table each one works on."""
    for node, batches in calls(upgrade, {}):
        if not (isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)):
            continue
        owner, name, args = node.func.value.id, node.func.attr, list(node.args)
        if owner in batches:
            yield Operation(name, batches[owner], args[1:] if name in NAMED_FIRST else args, node)
        elif owner == "op" and name == "execute":
            yield Operation(name, None, args, node)
        elif owner == "op":
            operation = Operation(name, None, [], node)
            if name in NAMED_FIRST:
                table = args[1] if len(args) > 1 else operation.keyword("table_name") or operation.keyword("source_table")
                yield Operation(name, constant(table), args[2:], node)
            else:
                yield Operation(name, constant(args[0]) if args else None, args[1:], node)


def added_column(operation: Operation) -> tuple[object, ast.Call | None]:
    """Return the name and the ``sa.Column(...)`` call that an add_column adds."""
    for arg in operation.args:
        if isinstance(arg, ast.Call) and ast.unparse(arg.func).split(".")[-1] == "Column":
            return (constant(arg.args[0]) if arg.args else None), arg
    return None, None


def string_length(node: ast.expr | None) -> int | None:
    """Return N of ``sa.String(length=N)`` or ``sa.String(N)``; None for any other type."""
    if not isinstance(node, ast.Call) or ast.unparse(node.func).split(".")[-1] != "String":
        return None
    value = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "length"), None)
    found = constant(value)
    return found if isinstance(found, int) else None


def widens(operation: Operation) -> bool:
    """Tell whether an alter_column only makes a string column longer: old code still fits in it."""
    old, new = string_length(operation.keyword("existing_type")), string_length(operation.keyword("type_"))
    return old is not None and new is not None and new >= old


def mapped(metadata: MetaData, table: str | None, column: object, verb: str) -> list[str]:
    if table in metadata.tables and column in metadata.tables[table].c:
        return [f"{verb} {table}.{column}, which the code still maps"]
    return []


def violations(source: str, metadata: MetaData) -> list[str]:
    """Return what breaks the rule in one revision's source; ``metadata`` is the current code's tables."""
    module = ast.parse(source)
    upgrade = next((n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"), None)
    if upgrade is None:
        return []
    found: list[str] = []
    expands: list[str] = []
    contracts: list[str] = []
    added: set[tuple[object, object]] = set()
    created: set[object] = set()
    locked: set[object] = set()
    for operation in operations(upgrade):
        name, table = operation.name, operation.table
        if name == "create_table":
            created.add(table)
        if name in LOCKING:
            locked.add(table)
        if name in EXPAND:
            expands.append(name)
        if name in CONTRACT:
            contracts.append(f"{name} {table}")
        if name == "add_column":
            column, definition = added_column(operation)
            added.add((table, column))
            if definition is not None and constant(next((k.value for k in definition.keywords if k.arg == "nullable"), None)) \
                    is False and not any(k.arg == "server_default" for k in definition.keywords):
                found.append(f"adds {table}.{column} NOT NULL without a server default: old code cannot insert")
        if name == "alter_column":
            column = operation.column()
            if constant(operation.keyword("nullable")) is False:
                contracts.append(f"alter_column {table}.{column} NOT NULL")
                if (table, column) in added:
                    found.append(f"makes {table}.{column} NOT NULL in the revision that adds it")
            if operation.keyword("new_column_name") is not None:
                contracts.append(f"alter_column {table}.{column} (rename)")
            elif operation.keyword("type_") is not None and not widens(operation):
                contracts.append(f"alter_column {table}.{column} (new type)")
            elif operation.keyword("type_") is not None:
                expands.append("alter_column (wider string)")
            if operation.keyword("new_column_name") is not None:
                found += mapped(metadata, table, column, "renames")
        if name == "drop_column":
            found += mapped(metadata, table, operation.column(), "drops")
        if name in ("drop_table", "rename_table") and table in metadata.tables:
            found.append(f"{name.split('_')[0]}s table {table}, which the code still maps")
        if name == "execute":
            for statement in " ".join(sql_text(a) for a in operation.args).split(";"):
                locked.update(SQL_TABLE.findall(statement))
                addition = SQL_NOT_NULL_ADD.search(statement)
                if addition:
                    expands.append("ADD in SQL")
                    if not re.search(r"\bDEFAULT\b", statement, re.I):
                        found.append(f"adds {addition.group('column')} NOT NULL without a default in SQL: "
                                     "old code cannot insert")
                if SQL_CONTRACT.search(statement):
                    contracts.append(f"SQL: {statement.strip()[:60]}")
    if contracts and expands:
        found.append(f"expands ({', '.join(expands)}) and contracts ({'; '.join(contracts)}) in one revision")
    if contracts and not re.search(r"^Contract:", ast.get_docstring(module) or "", re.M):
        found.append(f"contracts ({'; '.join(contracts)}) without a 'Contract:' line saying which release stopped using it")
    existing = sorted(str(t) for t in locked - created)
    if len(existing) > 1:
        found.append(f"locks {len(existing)} existing tables ({', '.join(existing)}) in one revision: one per revision")
    return found
