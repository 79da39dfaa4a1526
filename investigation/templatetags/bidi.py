"""Text in any script in the admin's lists ({{ cell|dir_auto }}): a title typed in Arabic
reads right to left, with its punctuation on the right side."""

import re

from django import template
from django.utils.safestring import SafeData, mark_safe

register = template.Library()

CELL_START = re.compile(r"^<(td|th)\b")


@register.filter
def dir_auto(cell):
    """A list cell (markup Django built and escaped) with dir="auto" on its <td> or <th>."""
    if not isinstance(cell, SafeData):
        return cell  # not markup: left for the template to escape
    # Only a fixed attribute is inserted, into the tag's name position: the cell's text was
    # escaped by Django's items_for_result, so marking the result safe adds nothing typed.
    return mark_safe(CELL_START.sub(r'<\1 dir="auto"', str(cell), count=1))  # noqa: S308
