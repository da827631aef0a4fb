"""The career center's reports: figures computed in SQL, small cells withheld, charts and CSV
that say the same thing as the table, flat query counts, and bad filters answered clearly."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from careercenter.credits.approval_models import ApprovalDecision, StepDecision
from careercenter.credits.models import AwardStatus, CreditRequest, RequestState
from careercenter.internships.models import ExperienceState
from careercenter.sso.models import ClassLevel, Role
from tests.factories import build_award, build_rule
from tests.test_query_counts import count_queries

#: 2026SP runs from 1 January to 31 May under the default calendar; 2026SU from 1 June.
SPRING = "from=2026SP&to=2026SU"


def _tables(html: str) -> dict[str, list[list[str]]]:
    """Every report table on the page: its section id → rows of cell texts (header first)."""
    out = {}
    for name, body in re.findall(r'<section class="report" id="([^"]+)".*?<table.*?>(.*?)</table>', html, re.S):
        rows = []
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            rows.append([re.sub(r"<[^>]+>", "", c).replace("&lt;", "<").replace("&amp;", "&").strip() for c in cells])
        out[name] = rows
    return out


def _row(table: list[list[str]], label: str) -> list[str]:
    return next(row for row in table if row[0] == label)


@pytest.fixture()
def staff(make_person: Any) -> Any:
    return make_person({Role.STAFF}, name="Priya Staff", program=None, class_level=None)


@pytest.fixture()
def spring_awards(session: Any, make_student: Any, make_experience: Any) -> dict[str, Any]:
    """2026SP: 7 Business students (2 credits each), 6 CS (1.5 each), 2 Biology (1 each)."""
    rule = build_rule(session)
    made: dict[str, list[Any]] = {}
    for program, count, credits in (("Business", 7, "2"), ("Computer Science", 6, "1.5"), ("Biology", 2, "1")):
        for i in range(count):
            student = make_student(program=program, class_level=ClassLevel.JUNIOR if i % 2 else ClassLevel.SENIOR)
            experience = make_experience(
                student,
                state=ExperienceState.VERIFIED,
                start_date=date(2026, 3, 1),
                end_date=date(2026, 3, 20),
                hours=Decimal("30"),
                employer=f"{program} Partner",
            )
            build_award(
                session, student, [experience], rule, status=AwardStatus.POSTED, term="2026SP", credits=Decimal(credits)
            )
            made.setdefault(program, []).append(student)
    session.commit()
    return made


def test_figures_are_aggregated_and_small_cells_withheld(
    client: Any, login: Any, staff: Any, spring_awards: Any
) -> None:
    login(staff)
    response = client.get(f"/reports?{SPRING}")
    assert response.status_code == 200
    tables = _tables(response.get_data(as_text=True))

    by_term = tables["credits-by-term"]
    assert by_term[0] == [
        "Term",
        "Credits awarded",
        "Students awarded credit",
        "Verified hours",
        "Students with verified hours",
    ]
    assert _row(by_term, "2026SP") == ["2026SP", "25", "15", "450", "15"]
    assert _row(by_term, "2026SU") == ["2026SU", "0", "0", "0", "0"]

    # Biology counts two students: withheld with its credits. One withheld cell could be got back
    # from the total (15 students), so the next smallest (Computer Science, 6) is withheld too.
    by_program = tables["credits-by-program"]
    assert _row(by_program, "Biology")[1:3] == ["<5", "<5"]
    assert _row(by_program, "Computer Science")[1:3] == ["<5", "<5"]
    assert _row(by_program, "Business")[1:3] == ["14", "7"]

    served = tables["students-served"]
    header = served[0]
    assert header[0] == "Program" and all("students" in h for h in header[1:])
    junior = header.index("Junior students")
    assert _row(served, "Biology")[junior] == "<5"
    visible = [cell for row in served[1:] for cell in row[1:]]
    assert all(cell == "<5" or cell == "0" or int(cell) >= 5 for cell in visible)


def test_skill_ratings_count_old_skill_names_under_their_competency(
    client: Any, login: Any, staff: Any, make_student: Any, make_experience: Any
) -> None:
    ratings = [{"communication": 4, "technical skill": 5}, {"Communication": 4, "Technology": 3}, {"Teamwork": 2}]
    for rated in ratings:
        make_experience(
            make_student(),
            state=ExperienceState.VERIFIED,
            start_date=date(2026, 3, 1),
            end_date=date(2026, 3, 20),
            skill_ratings=rated,
        )
    login(staff)
    table = _tables(client.get(f"/reports?{SPRING}").get_data(as_text=True))["skill-ratings"]
    assert table[1:] == [
        ["Communication", "0", "0", "0", "2", "0", "2"],
        ["Teamwork", "0", "1", "0", "0", "0", "1"],
        ["Technology", "0", "0", "1", "0", "1", "2"],
    ]


def test_csv_and_chart_say_what_the_table_says(client: Any, login: Any, staff: Any, spring_awards: Any) -> None:
    login(staff)
    page = _tables(client.get(f"/reports?{SPRING}").get_data(as_text=True))
    download = client.get(f"/reports/credits-by-program.csv?{SPRING}")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows == page["credits-by-program"]
    assert "students" in rows[0][2].lower()

    chart = client.get(f"/reports/credits-by-program.svg?{SPRING}")
    assert chart.mimetype == "image/svg+xml"
    assert "script-src" not in chart.headers["Content-Security-Policy"]
    svg = etree.fromstring(chart.data)
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert svg.get("role") == "img"
    assert svg.find("svg:title", ns).text == "Credits awarded and verified hours by program"
    assert svg.find("svg:desc", ns).text
    assert not svg.findall(".//svg:script", ns)
    labels = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "Biology (<5)" in labels and "Business" in labels


def _with_steps(
    session: Any,
    student: Any,
    rule: Any,
    state: RequestState,
    steps: list[tuple[str, StepDecision, float]],
    *,
    decided_after: float | None = None,
) -> None:
    """A request of 2026SP in `state` whose first pass decided `steps` (label, decision, days after
    submission); the request itself decided `decided_after` days after submission, when given."""
    submitted = datetime(2026, 3, 2, 9, tzinfo=UTC)
    request = CreditRequest(
        student_id=student.id,
        rule_id=rule.id,
        term="2026SP",
        state=state,
        reflection="",
        evaluation={"eligible": True},
        is_eligible=True,
        computed_credits=Decimal("1"),
        submitted_at=submitted,
        decided_at=None if decided_after is None else submitted + timedelta(days=decided_after),
    )
    session.add(request)
    session.flush()
    for index, (label, decision, days) in enumerate(steps):
        session.add(
            ApprovalDecision(
                request_id=request.id,
                pass_no=1,
                step_index=index,
                step_label=label,
                decision=decision,
                decided_at=submitted + timedelta(days=days),
            )
        )


def _decided(
    session: Any, student: Any, rule: Any, days: float, state: RequestState = RequestState.APPROVED, then: float = 0
) -> None:
    """A request of 2026SP decided at its first step `days` after submission (and, with `then`,
    at a registrar step `then` days later)."""
    first = StepDecision.APPROVED if state is RequestState.APPROVED else StepDecision(state.value)
    steps = [("Advisor review", first, days)] + (
        [("Registrar check", StepDecision.APPROVED, days + then)] if then else []
    )
    _with_steps(session, student, rule, state, steps, decided_after=days + then)


def test_turnaround_median_and_90th_percentile(
    client: Any, login: Any, staff: Any, session: Any, make_student: Any
) -> None:
    rule = build_rule(session)
    for days in (1, 2, 3, 4, 10):
        _decided(session, make_student(), rule, days)
    _decided(session, make_student(), rule, 6, RequestState.RETURNED)
    _decided(session, make_student(), rule, 2, then=5)
    session.commit()
    login(staff)
    tables = _tables(client.get(f"/reports?{SPRING}").get_data(as_text=True))
    # Nearest rank over the advisor step's 1, 2, 2, 3, 4, 6, 10 days: the median is the 4th value,
    # the 90th percentile the 7th; the registrar step took 5 days from the advisor's decision.
    assert _row(tables["turnaround"], "Advisor review") == ["Advisor review", "7", "3.0", "10.0"]
    assert _row(tables["turnaround"], "Registrar check") == ["Registrar check", "1", "5.0", "5.0"]
    assert _row(tables["turnaround"], "Overall") == ["Overall", "8", "3.0", "10.0"]
    assert _row(tables["request-funnel"], "2026SP") == ["2026SP", "7", "0", "6", "1", "0", "0"]
    steps = tables["request-funnel-steps"]
    assert steps[1:] == [["Advisor review", "0", "6", "1", "0", "0"], ["Registrar check", "0", "1", "0", "0", "0"]]


def test_the_funnel_counts_withdrawn_requests_by_term_and_by_the_step_they_waited_at(
    client: Any, login: Any, staff: Any, session: Any, make_student: Any
) -> None:
    rule = build_rule(session)
    approved, withdrawn = StepDecision.APPROVED, StepDecision.WITHDRAWN
    _with_steps(session, make_student(), rule, RequestState.APPROVED, [("Advisor review", approved, 1)])
    # withdrawn while waiting at step 1, and at step 2 after step 1 approved it
    _with_steps(session, make_student(), rule, RequestState.WITHDRAWN, [("Advisor review", withdrawn, 2)])
    _with_steps(
        session,
        make_student(),
        rule,
        RequestState.WITHDRAWN,
        [("Advisor review", approved, 1), ("Registrar check", withdrawn, 4)],
    )
    # returned, then given up: withdrawn in the term's funnel, at no step
    _with_steps(session, make_student(), rule, RequestState.WITHDRAWN, [("Advisor review", StepDecision.RETURNED, 3)])
    session.commit()
    login(staff)
    tables = _tables(client.get(f"/reports?{SPRING}").get_data(as_text=True))

    funnel = tables["request-funnel"]
    assert funnel[0] == ["Term", "Submitted", "Waiting", "Approved", "Returned", "Denied", "Withdrawn"]
    assert _row(funnel, "2026SP") == ["2026SP", "4", "0", "1", "0", "0", "3"]
    steps = tables["request-funnel-steps"]
    assert steps[0] == ["Step", "Waiting", "Approved", "Returned", "Denied", "Withdrawn"]
    assert steps[1:] == [["Advisor review", "0", "2", "1", "0", "1"], ["Registrar check", "0", "0", "0", "0", "1"]]
    # A withdrawal is no approver's decision: turnaround counts the three that were (1, 1, 3 days).
    assert _row(tables["turnaround"], "Advisor review") == ["Advisor review", "3", "1.0", "3.0"]
    assert [row[0] for row in tables["turnaround"][1:]] == ["Advisor review", "Overall"]

    for name in ("request-funnel", "request-funnel-steps"):
        download = client.get(f"/reports/{name}.csv?{SPRING}")
        assert download.status_code == 200
        assert list(csv.reader(io.StringIO(download.get_data(as_text=True)))) == tables[name]
    chart = client.get(f"/reports/request-funnel.svg?{SPRING}")
    labels = " ".join(t.text or "" for t in etree.fromstring(chart.data).iter("{http://www.w3.org/2000/svg}text"))
    assert "Withdrawn" in labels


def test_the_demo_history_has_requests_withdrawn_at_the_first_and_at_later_steps(
    runner: Any, client: Any, login: Any, session: Any
) -> None:
    import sqlalchemy as sa

    from careercenter.credits.models import CreditAward
    from careercenter.sso.models import Person

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert re.search(r"\d+ credit requests \((\d+) withdrawn by their students\)", result.output)
    generated = sa.select(CreditRequest).join(Person, Person.id == CreditRequest.student_id)
    generated = generated.where(Person.is_demo.is_(False))
    total = len(session.execute(generated).scalars().all())
    withdrawn = session.execute(generated.where(CreditRequest.state == RequestState.WITHDRAWN)).scalars().all()
    assert 0.01 * total < len(withdrawn) < 0.06 * total  # a few percent
    rows = session.execute(
        sa.select(ApprovalDecision).where(ApprovalDecision.request_id.in_([r.id for r in withdrawn]))
    ).scalars()
    last = {}
    for row in rows:
        if row.decision is StepDecision.WITHDRAWN:
            assert row.decided_by_id == row.request.student_id and row.credits is None
            last[row.request_id] = row.step_index
        else:
            assert row.decision is StepDecision.APPROVED
    assert set(last) == {r.id for r in withdrawn}  # each withdrawn at the step it waited at
    assert 0 in last.values() and any(index > 0 for index in last.values())
    ids = [r.id for r in withdrawn]
    assert session.execute(sa.select(CreditAward).where(CreditAward.request_id.in_(ids))).first() is None

    staff = session.execute(sa.select(Person).where(Person.display_name == "Priya Shah")).scalar_one()
    login(staff)
    tables = _tables(client.get("/reports").get_data(as_text=True))
    column = tables["request-funnel"][0].index("Withdrawn")
    assert sum(int(row[column]) for row in tables["request-funnel"][1:]) > 0
    column = tables["request-funnel-steps"][0].index("Withdrawn")
    assert sum(int(row[column]) for row in tables["request-funnel-steps"][1:]) > 0


def test_query_count_does_not_grow_with_the_data(
    client: Any, login: Any, staff: Any, session: Any, make_student: Any, make_experience: Any
) -> None:
    rule = build_rule(session)
    counts = []
    login(staff)
    for n in (3, 30):
        for i in range(n):
            student = make_student(program=f"Program {i % 4}")
            experience = make_experience(
                student, state=ExperienceState.VERIFIED, start_date=date(2026, 2, 1), end_date=date(2026, 2, 10)
            )
            build_award(session, student, [experience], rule, term="2026SP")
        session.commit()
        with count_queries() as statements:
            assert client.get(f"/reports?{SPRING}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("query", "message", "field"),
    [
        ("from=2026XX&to=2026SU", "is not a term code", "filter-from"),
        ("from=2026SU&to=2026SP", "starts (2026SU) after it ends (2026SP)", "filter-to"),
        (
            "from=2026SP&to=2026SU&program=%3Cscript%3Ealert(1)%3C/script%3E",
            "No student is in a program",
            "filter-program",
        ),
        ("from=1900SP&to=2026SU", "at most 30 terms", "filter-to"),
    ],
)
def test_bad_filters_get_an_error_summary(
    client: Any, login: Any, staff: Any, query: str, message: str, field: str
) -> None:
    login(staff)
    response = client.get(f"/reports?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r"<title>Error: ", html)
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert message in summary.replace("&#39;", "'") and f'href="#{field}"' in summary
    assert f'id="{field}"' in html
    assert "<script>alert" not in html
    assert 'class="report"' not in html


def test_downloads_refuse_bad_filters_and_unknown_reports(client: Any, login: Any, staff: Any) -> None:
    login(staff)
    bad = client.get("/reports/turnaround.csv?from=2026SU&to=2026SP")
    assert bad.status_code == 400 and b"after it ends" in bad.data
    assert client.get(f"/reports/no-such-report.csv?{SPRING}").status_code == 404
    assert client.get(f"/reports/no-such-report.svg?{SPRING}").status_code == 404


def test_staff_role_comes_from_the_directory_role_map() -> None:
    from careercenter.sso.directory import DirectoryEntry
    from careercenter.sso.roles import roles_for
    from careercenter.sso.settings import parse_role_map

    group = "cn=career-staff,ou=groups,dc=example,dc=edu"
    role_map = parse_role_map({group: "staff", "student": "student"})
    entry = DirectoryEntry(
        dn="uid=pshah,ou=people,dc=example,dc=edu",
        username="pshah",
        email="priya.shah@example.edu",
        display_name="Priya Shah",
        campus_id="C5001",
        program=None,
        class_level=None,
        affiliations=("staff",),
        groups=(group,),
        advisor_refs=(),
    )
    assert roles_for(entry, role_map) == {Role.STAFF}


def test_staff_home_is_the_reports(client: Any, login: Any, staff: Any) -> None:
    login(staff)
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 302 and home.headers["Location"].endswith("/reports")
    page = client.get("/reports").get_data(as_text=True)
    assert '<a href="/reports">Reports</a>' in page
