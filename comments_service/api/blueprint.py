"""What the public read endpoints share: a blueprint that parses each query
string once, and answers whose JSON is already made (cached bytes).

A cached read costs little more than Flask itself, so the rest of the request
matters: loading the same ``?limit=10`` through marshmallow on every request
would be a large share of it.
"""
from __future__ import annotations

import functools
import json
from typing import Any

import flask_smorest
import orjson
from flask import Response, request
from marshmallow import Schema
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

MEMO_SIZE = 512


class JsonBodyParser(FlaskParser):
    """webargs' Flask parser reading JSON bodies with orjson.

    orjson is faster and refuses nesting deeper than 1024 with a decode error,
    which webargs answers as malformed JSON; the standard library's decoder
    raises RecursionError on such a body instead, which would be a 500.
    """

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return core.missing
        body = req.get_data(cache=True)
        if not body:
            return core.missing  # no body: the schema reports the missing fields
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as error:
            # A non-empty doc tells webargs this is a bad body, not an absent one.
            raise json.JSONDecodeError(str(error), body.decode("utf-8", "replace"), error.pos) from None


class QueryMemoParser(JsonBodyParser):
    """The parser, remembering what each valid query string parsed to."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A 422 is raised, never kept.
        self._parsed_query = functools.lru_cache(maxsize=MEMO_SIZE)(self._parse_query)

    def _parse_query(self, argmap: Schema, query_string: bytes, options: tuple[tuple[str, Any], ...]) -> Any:
        # query_string keys the memo: it is all that a query's arguments are parsed from.
        return super().parse(argmap, request, location="query", **dict(options))

    def parse(self, argmap: Any, req: Any = None, *, location: str | None = None, **kwargs: Any) -> Any:
        """Parse like webargs; a query string seen before with the same schema is not loaded again."""
        options = tuple(sorted(kwargs.items()))
        try:
            hash(options)
        except TypeError:  # options that cannot key a memo
            options = ()
        if location != "query" or not isinstance(argmap, Schema) or (kwargs and not options):
            return super().parse(argmap, req, location=location, **kwargs)
        found = self._parsed_query(argmap, (req or request).query_string, options)
        return dict(found)  # a view may change its copy


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's blueprint with JSON bodies read safely and query strings parsed once each.

    Its query argument schemas must be instances: the memo is keyed by schema.
    """

    ARGUMENTS_PARSER = QueryMemoParser()


def json_response(body: bytes) -> Response:
    """Wrap ready JSON bytes in a 200 response."""
    return Response(body, mimetype="application/json")
