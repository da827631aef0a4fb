"""Issue 20 item 2: the badge for a supervisor's address, and the /competencies page the campus's
own competencies align to."""

from __future__ import annotations

from typing import Any

from careercenter.audit.service import Actor
from careercenter.employers import service
from careercenter.employers.badges import badge_for, domain_verified

SYSTEM = Actor.system("test")


def test_the_three_badges(session: Any) -> None:
    cedar = service.add_employer(session, "Cedar Valley Credit Union", SYSTEM, domains=["cedarvalleycu.org"])
    assert badge_for("rc@cedarvalleycu.org", cedar).text == "new domain"  # not verified yet
    service.set_verified(session, cedar, True, SYSTEM)
    badge = badge_for("RC@CedarValleyCU.org", cedar)
    assert (badge.kind, badge.text) == ("verified", "matches a verified domain of Cedar Valley Credit Union")
    assert domain_verified("rc@cedarvalleycu.org", cedar)
    assert badge_for("renee@gmail.com", cedar).text == "personal address"
    assert badge_for("renee@cedar-valley.example", cedar).text == "new domain"
    # Another verified employer's domain does not vouch for this one.
    other = service.add_employer(session, "Bright Labs", SYSTEM, domains=["brightlabs.example"])
    service.set_verified(session, other, True, SYSTEM)
    assert badge_for("kim@brightlabs.example", cedar).text == "new domain"
    assert badge_for("kim@brightlabs.example", None).text == "new domain"


def test_the_free_mail_list_is_configurable() -> None:
    config = {"FREE_MAIL_DOMAINS": "campusmail.example, @Another.example"}
    assert badge_for("a@another.example", None, config).text == "personal address"
    assert badge_for("a@gmail.com", None, config).text == "new domain"  # the list replaces the default


def test_the_competencies_page(client: Any) -> None:
    html = client.get("/competencies").get_data(as_text=True)
    assert 'id="time-management"' in html and 'id="problem-solving"' in html
    assert "NACE Career Readiness Competencies" in html
