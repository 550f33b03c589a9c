"""Form checks shared by every area that takes an email address from a stranger."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import Email, ValidationError

# The characters a work address really uses. RFC 5322 allows "?", "&", "=" and more in the
# local part, but "x?cc=boss@…&body=…" typed as an address becomes a mailto: link that adds
# recipients and text: refuse them.
PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9._%+'\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")


class WorkEmail(Email):
    """An email address with no query part, no spaces and no display name."""

    def __init__(self, message: Any = None):
        message = message or _l("Enter an email address like name@example.org.")
        super().__init__(message=message, check_deliverability=False)

    def __call__(self, form: Any, field: Any) -> None:
        value = (field.data or "").strip()
        if not PLAIN_ADDRESS.fullmatch(value):
            raise ValidationError(self.message)
        super().__call__(form, field)
