"""Each domain adds panels to the role home pages without the home view knowing about it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from careercenter.sso.models import Person, Role


@dataclass(frozen=True)
class Panel:
    order: int
    render: PanelFunc


_PANELS: dict[Role, list[Panel]] = {role: [] for role in Role}


PanelFunc = Callable[[Person], Markup | None]


def home_panel(role: Role, order: int = 50) -> Callable[[PanelFunc], PanelFunc]:
    """Register a function that renders a panel on `role`'s home page (it returns Markup,
    normally from `render_template`, or None to show nothing)."""

    def decorator(func: PanelFunc) -> PanelFunc:
        _PANELS[role].append(Panel(order, func))
        _PANELS[role].sort(key=lambda p: p.order)
        return func

    return decorator


def render_panels(role: Role, person: Person) -> list[Markup]:
    out = []
    for panel in _PANELS[role]:
        html = panel.render(person)
        if html:
            out.append(html)
    return out
