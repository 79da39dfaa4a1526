"""Identity fields, encrypted at rest with AES-256-GCM under keys from FIELD_ENCRYPTION_KEYS.

A stored value reads `fb1:<key id>:<base64 of nonce + ciphertext + tag>`. The key id is the
first 8 hex digits of the key's SHA-256: it tells rotation which rows still use an old key and
reveals nothing else (no timestamp, unlike Fernet). The column name is bound into the tag, so
a ciphertext copied into another column does not decrypt.

On a model instance the value is a `Sealed` object, not text: it prints as a placeholder and
gives its plaintext only through `reveal()`. That keeps identities out of dumpdata, exports,
templates, logs and error pages unless code asks for them on purpose. A value that no
configured key can open raises `IdentityKeyError` when revealed and cannot be re-saved under
another key: Fieldbook fails closed rather than showing ciphertext or corrupting a row.
"""

import base64
import hashlib
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models
from django.db.models.query_utils import DeferredAttribute

PREFIX = "fb1"
NONCE_BYTES = 12
TOKEN_PATTERN = re.compile(r"fb1:[0-9a-f]{8}:[A-Za-z0-9_=-]+")


class IdentityKeyError(Exception):
    """No configured key opens this value (or no key is configured to write one)."""


def key_id(key):
    return hashlib.sha256(key).hexdigest()[:8]


def current_keys():
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        raise IdentityKeyError(
            "FIELD_ENCRYPTION_KEYS is not set: source identities cannot be read or written."
        )
    return keys


def seal(plaintext, context):
    """Encrypt under the newest key."""
    key = current_keys()[0]
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), context.encode())
    payload = base64.urlsafe_b64encode(nonce + ciphertext).decode("ascii")
    return f"{PREFIX}:{key_id(key)}:{payload}"


def unseal(token, context):
    """Decrypt with whichever configured key wrote the token."""
    prefix, wanted_id, payload = parse_token(token)
    for key in current_keys():
        if key_id(key) != wanted_id:
            continue
        raw = base64.urlsafe_b64decode(payload.encode("ascii"))
        try:
            return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except InvalidTag:
            raise IdentityKeyError(
                f"The stored {context} was altered or is not for this column."
            ) from None
    raise IdentityKeyError(
        f"No key in FIELD_ENCRYPTION_KEYS opens {context} (it was written with key id "
        f"{wanted_id}). Add that key back, after the newest one."
    )


def parse_token(token):
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise IdentityKeyError("A stored identity value is not in Fieldbook's encrypted format.")
    return parts


class Sealed:
    """An encrypted identity value as held on a model instance."""

    PLACEHOLDER = "[protected]"

    def __init__(self, token, context):
        self.token = token
        self.context = context

    def reveal(self):
        if not self.token:
            return ""
        return unseal(self.token, self.context).decode("utf-8")

    @property
    def key_id(self):
        return parse_token(self.token)[1] if self.token else None

    def __bool__(self):
        return bool(self.token)

    def __str__(self):
        return self.PLACEHOLDER if self.token else ""

    def __repr__(self):
        return f"<Sealed {self.context}>"

    def __eq__(self, other):
        return isinstance(other, Sealed) and other.token == self.token

    def __hash__(self):
        return hash(self.token)


class SealingAttribute(DeferredAttribute):
    """Seals plain text the moment it is assigned, so an instance only ever holds Sealed."""

    def __set__(self, instance, value):
        if not isinstance(value, Sealed):
            context = self.field.context
            value = Sealed(seal(str(value), context) if value else "", context)
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """A TextField whose column holds only ciphertext (see the module docstring).

    Assign plain text to set a value; read `instance.field.reveal()` to get it back.
    """

    descriptor_class = SealingAttribute

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    @property
    def context(self):
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value, expression, connection):
        return Sealed(value or "", self.context)

    def to_python(self, value):
        # full_clean() passes the instance's value through here: keep it sealed. Fixtures
        # (loaddata) bring the stored ciphertext: take it as it is, never encrypt it again.
        if isinstance(value, Sealed):
            return value
        if isinstance(value, str) and TOKEN_PATTERN.fullmatch(value):
            return Sealed(value, self.context)
        return super().to_python(value)

    def get_prep_value(self, value):
        if isinstance(value, Sealed):
            return value.token  # unchanged: never re-encrypted with a key we may not have
        if value is None or value == "":
            return ""
        return seal(str(value), self.context)

    def value_to_string(self, obj):
        # Serialisers (dumpdata, fixtures) get the ciphertext, never the plaintext.
        value = self.value_from_object(obj)
        return self.get_prep_value(value)

    def formfield(self, **kwargs):
        # Identity fields are edited only in the reveal view, never in ordinary model forms.
        return None
