"""The home-page panel registry: each domain's panels on the role home pages, filled by `wiring`.

The home view only calls `render_panels(role, person)`; it knows no domain. Which function is
shown on whose home page, and in what order, is written once in `careercenter/wiring.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from careercenter.sso.models import Person, Role

PanelFunc = Callable[[Person], Markup | None]


@dataclass(frozen=True)
class Panel:
    order: int
    render: PanelFunc


_PANELS: dict[Role, list[Panel]] = {role: [] for role in Role}


def add_panel(role: Role, render: PanelFunc, *, order: int = 50) -> None:
    """Show `render(person)` on `role`'s home page (it returns Markup, normally from
    `render_template`, or None to show nothing). Adding the same function twice is a no-op."""
    if any(panel.render is render for panel in _PANELS[role]):
        return
    _PANELS[role].append(Panel(order, render))
    _PANELS[role].sort(key=lambda p: p.order)


def panels_for(role: Role) -> list[Panel]:
    """The registered panels of `role`, in page order (a copy)."""
    return list(_PANELS[role])


def render_panels(role: Role, person: Person) -> list[Markup]:
    out = []
    for panel in _PANELS[role]:
        html = panel.render(person)
        if html:
            out.append(html)
    return out
