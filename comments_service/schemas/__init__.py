"""Marshmallow schemas of what the API reads and the containers it answers with, by area.

The public objects themselves (a comment, a post, widget items) are declared
in :mod:`comments_service.shapes`, which makes their schemas.
"""
