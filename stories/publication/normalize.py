"""The leak scan's text folding and name keys live in investigation/text.py (search uses them
too); this module keeps the leak scan's imports working."""

from investigation.text import (  # noqa: F401
    NAME_WORD,
    fold,
    is_arabic,
    key_length,
    name_forms,
    name_key,
    name_keys,
    normalize,
    shapes_agree,
    skeleton,
)
