"""What signing in takes and answers: an SSO token, a mailed link's request, the reader's settings and data."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from .comments import JsonBoolean
from .common import Trimmed, TrimmedEmail


class SsoSignInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    sso = fields.String(required=True, validate=validate.Length(min=1, max=8192),
                        metadata={"description": "A JWT the blog signed with SSO_SECRET (HS256; sub, name, email?, "
                                                 "exp)."})


class MailSignInSchema(Schema):
    email = TrimmedEmail(required=True, validate=validate.Length(max=254))
    name = Trimmed(load_default=None, allow_none=True, validate=validate.Length(min=1, max=80),
                   metadata={"description": "The name a new account's comments carry (default: the address's "
                                            "part before @)."})
    page = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                         metadata={"description": "The blog page to come back to (on the asking page's origin)."})
    origin = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300),
                           metadata={"description": "The blog origin, when the request carries no Origin header."})


class MailSentSchema(Schema):
    sent = fields.Boolean()
    expires_in = fields.Integer(metadata={"description": "Seconds the link works, once."})


class ReaderSchema(Schema):
    name = fields.String()
    verified = fields.Boolean()
    email = fields.String(allow_none=True, metadata={"description": "The address the sign-in proved, if any."})
    notify_replies = fields.Boolean(metadata={"description": "Reply mails for every comment one writes."})


class SessionSchema(Schema):
    session = fields.String(metadata={"description": "Send as X-Reader-Session."})
    reader = fields.Nested(ReaderSchema)


class MethodSchema(Schema):
    name = fields.String()
    label = fields.String()


class SignInMethodsSchema(Schema):
    anonymous = fields.Boolean(metadata={"description": "Whether readers may comment without signing in."})
    sso = fields.Boolean(metadata={"description": "The blog's own login (data-sso / CommentWidget.login)."})
    mail = fields.Boolean(metadata={"description": "Mailed sign-in links."})
    oidc = fields.List(fields.Nested(MethodSchema), metadata={"description": "OpenID Connect providers."})
    start = fields.String(metadata={"description": "Path of a provider's popup: replace {name}; add ?origin=."})


class MeSchema(Schema):
    reader = fields.Nested(ReaderSchema)
    providers = fields.List(fields.String())
    comments = fields.Integer(metadata={"description": "Comments written while signed in (not deleted)."})
    created_at = fields.String()


class MeUpdateSchema(Schema):
    notify_replies = JsonBoolean(required=True)


class MeExportSchema(Schema):
    exported_at = fields.String()
    account = fields.Dict()
    identities = fields.List(fields.Dict())
    sessions = fields.List(fields.Dict())
    comments = fields.List(fields.Dict())
    likes = fields.Dict()
    mail = fields.Dict(allow_none=True)


class MeErasedSchema(Schema):
    erased = fields.Integer()
    subscriptions = fields.Integer()
