"""Identity fields, encrypted at rest with AES-256-GCM under keys from FIELD_ENCRYPTION_KEYS.

A stored value reads `fb1:<key id>:<base64 of nonce + ciphertext + tag>`. The key id is the
first 8 hex digits of the key's SHA-256: it tells rotation which rows still use an old key and
reveals nothing else (no timestamp, unlike Fernet). The column name is bound into the tag, so
a ciphertext copied into another column does not decrypt.

On a model instance the value is a `Sealed` object, not text: it prints as a placeholder and
gives its plaintext only through `reveal()`. That keeps identities out of dumpdata, exports,
templates, logs and error pages unless code asks for them on purpose. A value that no
configured key can open raises `IdentityKeyError` when revealed and cannot be re-saved under
another key: Fieldbook fails closed rather than showing ciphertext or corrupting a row. And
nothing is encrypted while the configured keys open none of the values already stored
(keys_open_what_is_stored): a wrong key would otherwise overwrite identities it cannot read.
"""

import base64
import hashlib
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.conf import settings
from django.db import connection, models
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
    """Encrypt under the newest key, once the configured keys are known to fit the database."""
    require_keys_open_what_is_stored()
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


# Key sets found to open what is stored, per database: checked once a process, not once a
# value (and never in the middle of a COPY, which a query on its connection would block).
verified_key_sets = set()


def encrypted_columns():
    """Every (model, field name) whose column holds encrypted values."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def require_keys_open_what_is_stored():
    """Refuse to write while the configured keys open none of the values already stored (a
    wrong FIELD_ENCRYPTION_KEYS): the same IdentityKeyError, and the same 503, as a read."""
    ids = frozenset(key_id(key) for key in current_keys())
    checked = (ids, connection.settings_dict["NAME"])
    if checked in verified_key_sets:
        return
    if not keys_open_what_is_stored(ids):
        raise IdentityKeyError(
            "The keys in FIELD_ENCRYPTION_KEYS open none of the identities already stored, so "
            "nothing was written: a wrong key would make what is stored unreadable for good. "
            "Configure the key the identities were written with (newest first)."
        )
    verified_key_sets.add(checked)


def keys_open_what_is_stored(ids):
    """True when nothing is stored yet, or a stored value carries one of these keys' ids and
    opens with it."""
    anything_stored = False
    for model, name in encrypted_columns():
        rows = model._base_manager.exclude(**{name: ""})
        for wanted in ids:
            token = rows.filter(**{f"{name}__startswith": f"{PREFIX}:{wanted}:"}).values_list(
                name, flat=True
            )[:1]
            for sealed in token:
                sealed.reveal()  # raises if the value was altered
                return True
        anything_stored = anything_stored or rows.exists()
    return not anything_stored


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
    encrypted = True  # for code that must not import this module (investigation.admin)
    # Only what Fieldbook itself asks of the ciphertext: empty or not, and which key wrote it.
    # A regex or a length comparison would tell something about the plaintext.
    ALLOWED_LOOKUPS = {"exact", "in", "isnull", "startswith"}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def get_lookup(self, lookup_name):
        if lookup_name not in self.ALLOWED_LOOKUPS:
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        return None  # no Length(), Lower() ... of a ciphertext

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
