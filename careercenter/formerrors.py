"""The error summary every form shows (the GOV.UK Design System pattern).

After a failed submit the page starts with a summary that receives focus, lists each error as
a link to its field, and the title starts with "Error:". ``collect_errors`` gathers the errors
of the forms on a page in field order; ``templates/_macros.html`` renders them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from wtforms import Field
from wtforms.widgets import CheckboxInput, ListWidget, RadioInput

#: Fields whose own id names a list of options; the link goes to the first option.
_GROUP_TYPES = {"RadioField", "MultiCheckboxField", "CheckboxesField"}


class Required:
    """A validator that only marks a field required (``field.flags.required``), so its label says
    "(required)" and its input carries ``required``/``aria-required``; the service's rules give
    the message when it is empty."""

    field_flags = {"required": True}

    def __call__(self, form: Any, field: Field) -> None:
        return None


@dataclass(frozen=True)
class PageError:
    """One line of the summary: the message and the id of the field it links to ('' for none)."""

    text: str
    target: str = ""


def field_target(field: Field) -> str:
    """The id the summary links to: the field, or the first option of a radio/checkbox group."""
    widget = getattr(field, "widget", None)
    grouped = field.type in _GROUP_TYPES or isinstance(widget, ListWidget)
    if grouped or isinstance(getattr(field, "option_widget", None), (RadioInput, CheckboxInput)):
        return f"{field.id}-0"
    return field.id


def collect_errors(*sources: Any) -> list[PageError]:
    """Every error of the given forms (in field order) and of extra ``(field_id, message)`` pairs or
    plain messages; None entries are ignored."""
    out: list[PageError] = []
    for source in sources:
        if source is None:
            continue
        if hasattr(source, "_fields"):
            out.extend(_form_errors(source))
        elif isinstance(source, (list, tuple)) and not _is_pair(source):
            out.extend(collect_errors(*source))
        elif _is_pair(source):
            out.append(PageError(str(source[1]), str(source[0] or "")))
        elif isinstance(source, PageError):
            out.append(source)
        elif source:
            out.append(PageError(str(source)))
    return out


def field_errors(errors: Mapping[str, str | Iterable[str]] | None, prefix: str = "") -> list[PageError]:
    """The errors of a page that keeps them as ``{field name: message(s)}`` (no WTForms form):
    each links to the element with id ``prefix + name``."""
    out: list[PageError] = []
    for name, messages in (errors or {}).items():
        for message in [messages] if isinstance(messages, str) else messages:
            out.append(PageError(str(message), f"{prefix}{name}"))
    return out


def _is_pair(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value)


def _form_errors(form: Any) -> Iterable[PageError]:
    for field in form:
        for error in field.errors or []:
            if isinstance(error, dict):  # FormField/FieldList: not used here, but never crash
                continue
            if field.name == "csrf_token":
                yield PageError("This form had expired: it has been renewed, please submit it again.")
            else:
                yield PageError(str(error), field_target(field))
