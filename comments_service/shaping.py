"""Public shapes declared once: SQL columns, row mapping, OpenAPI schema and cache version derive from one list.

A :class:`Shape` is a name and its :class:`Field` list. From it come

- ``shape.columns()``: the columns a read selects, each labelled with the name
  the shape reads it by;
- ``shape.dump(obj)``: the dict a row or a model object becomes, read by
  attribute name, never by position (compiled once into a plain function, as
  fast as a hand-written one, since threads dump hundreds of comments);
- ``shape.schema``: the marshmallow schema that documents the shape in the
  OpenAPI document and dumps it through flask-smorest; each of its fields
  converts a value with the same function as ``dump``;
- :func:`signature`: a digest of every shape, part of the cache's key
  prefix, so that a cached value of an older shape is never served.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from marshmallow import Schema, fields
from sqlalchemy import Table

SAME = "."  # the source of a nested shape read from the same row or object
SELF = "self"  # the kind of a field that nests the shape it belongs to (replies)


@dataclass(frozen=True)
class Field:
    """One field of a shape.

    ``kind`` is the marshmallow field class that documents it (or a nested
    :class:`Shape`); ``source`` the attribute it is read from (default: its
    name; :data:`SAME` for a nested shape read from the same object; None for
    a value the caller adds, made by ``default``); ``convert`` turns the source
    value into the shown one (None: shown as it is).
    """

    name: str
    kind: Any
    source: str | None = ""
    convert: Callable[[Any], Any] | None = None
    nullable: bool = False
    many: bool = False
    default: Callable[[], Any] | None = None
    description: str = ""
    table: Table | None = field(default=None, compare=False)  # where the source column lives, if not the shape's

    @property
    def attribute(self) -> str | None:
        """Name the attribute this field reads (None: the caller provides it)."""
        return self.name if self.source == "" else self.source



class Shape:
    """A public object's fields, and what derives from them."""

    def __init__(self, name: str, *fields_: Field, table: Table | None = None) -> None:
        self.name = name
        self.fields = tuple(sorted(fields_, key=lambda f: f.name))
        self.table = table
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"{name}: a field is declared twice")
        for f in self.fields:
            if f.attribute is not None and f.attribute != SAME and not f.attribute.isidentifier():
                raise ValueError(f"{name}.{f.name}: source {f.attribute!r} is not an attribute name")
        self.dump: Callable[[Any], dict[str, Any]] = _compile(self)
        self._schema: type[Schema] | None = None

    def nested(self, f: Field) -> Shape | None:
        """Return the shape that field ``f`` nests, if it nests one."""
        if f.kind == SELF:
            return self
        return f.kind if isinstance(f.kind, Shape) else None

    @property
    def names(self) -> frozenset[str]:
        """Return the names of the shape's fields."""
        return frozenset(f.name for f in self.fields)

    def extend(self, name: str, *added: Field, without: Iterable[str] = ()) -> Shape:
        """Return a new shape with this one's fields, less ``without``, plus ``added``."""
        dropped = set(without) | {f.name for f in added}
        kept = [f for f in self.fields if f.name not in dropped]
        return Shape(name, *kept, *added, table=self.table)

    def replacing(self, name: str, **changes: dict[str, Any]) -> Shape:
        """Return a new shape whose named fields change as given (``{field: {attr: value}}``)."""
        return Shape(name, *(replace(f, **changes.get(f.name, {})) for f in self.fields), table=self.table)

    def columns(self) -> list[Any]:
        """Return the columns that a read of this shape selects, labelled by the names ``dump`` reads."""
        out: dict[str, Any] = {}
        for f in self.fields:
            nested = self.nested(f)
            if nested is not None and f.attribute == SAME:
                out.update((column.name, column) for column in nested.columns())
            elif nested is None and f.attribute is not None:
                table = f.table if f.table is not None else self.table
                if table is not None and f.attribute in table.c:
                    out.setdefault(f.attribute, table.c[f.attribute].label(f.attribute))
        return list(out.values())

    @property
    def schema(self) -> type[Schema]:
        """Return the marshmallow schema of this shape (built on first use)."""
        if self._schema is None:
            self._schema = _schema(self)
        return self._schema


def _compile(shape: Shape) -> Callable[[Any], dict[str, Any]]:
    # Source code of one function, as dataclasses and namedtuple make theirs:
    # a dict display of attribute reads, with the converters as globals.
    env: dict[str, Any] = {}
    items = []
    for index, f in enumerate(shape.fields):
        attribute = f.attribute
        if attribute is None:
            if f.default is not None:
                env[f"_d{index}"] = f.default
                value = f"_d{index}()"
            else:
                value = "None"
        else:
            value = "o" if attribute == SAME else f"o.{attribute}"
            nested = shape.nested(f)
            if nested is not None:
                env[f"_n{index}"] = (lambda x: shape.dump(x)) if nested is shape else nested.dump
                if f.many:
                    value = f"[_n{index}(x) for x in {value}]"
                elif f.nullable:
                    value = f"(None if {value} is None else _n{index}({value}))"
                else:
                    value = f"_n{index}({value})"
            elif f.convert is not None:
                env[f"_c{index}"] = f.convert
                value = f"_c{index}({value})"
        items.append(f"{f.name!r}: {value}")
    source = f"def dump(o):\n    return {{{', '.join(items)}}}\n"
    exec(compile(source, f"<shape {shape.name}>", "exec"), env)  # noqa: S102 - our own declarations only
    dump: Callable[[Any], dict[str, Any]] = env["dump"]
    dump.__doc__ = f"Return the {shape.name} shape of ``o`` as a dict."
    return dump


class _Same(fields.Nested):
    """A nested shape read from the same object as its parent."""

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return obj


def _schema_field(shape: Shape, f: Field) -> fields.Field:
    metadata = {"description": f.description} if f.description else {}
    options: dict[str, Any] = {"dump_only": True, "allow_none": f.nullable, "metadata": metadata}
    if f.attribute not in (None, SAME, f.name):
        options["attribute"] = f.attribute
    if f.default is not None:
        options["dump_default"] = f.default
    elif f.attribute is not None and not f.nullable:
        options["required"] = True
    nested = shape.nested(f)
    if nested is not None:
        target: Any = (lambda: shape.schema()) if nested is shape else nested.schema
        if f.attribute == SAME:
            return _Same(target, **options)
        if f.many:
            return fields.List(fields.Nested(target), **options)
        return fields.Nested(target, **options)
    if f.convert is None:
        return f.kind(**options)
    convert = f.convert
    # The documented type stays the kind's; the value is made by the same function as dump's.
    shaped = type(f"Shaped{f.kind.__name__}", (f.kind,), {
        "_serialize": lambda self, value, attr, obj, **kwargs: convert(value),
    })
    return shaped(**options)


def _schema(shape: Shape) -> type[Schema]:
    declared = {f.name: _schema_field(shape, f) for f in shape.fields}
    return type(f"{shape.name}Schema", (Schema,), {**declared, "__doc__": f"The {shape.name} shape (see shapes.py)."})


def to_json(obj: Any) -> bytes:
    """Return ``obj`` (dumped shapes, orjson fragments) as JSON bytes, keys sorted as Flask's own JSON does."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


def signature(shapes: Iterable[Shape]) -> str:
    """Return a short digest of the declarations of ``shapes``: it changes whenever a field does."""
    digest = hashlib.sha256()
    for shape in shapes:
        for f in shape.fields:
            nested = shape.nested(f)
            kind = nested.name if nested else f.kind.__name__
            convert = getattr(f.convert, "__qualname__", "") if f.convert else ""
            digest.update(f"{shape.name}.{f.name}:{kind}:{f.attribute}:{convert}:{f.nullable}:{f.many};".encode())
    return digest.hexdigest()[:8]
