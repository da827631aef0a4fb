"""Every cross-domain connection, in one place: `create_app` calls `wire(app)` once.

No module connects a signal or registers itself when it is imported; this module does it all,
explicitly, so a newcomer finds every arrow between the domains here.

Signals (`careercenter/signals.py`; receivers run in the sender's transaction and only flush):

- `award_rescinded` (sent by credits when registrar staff rescind an award) →
  `transcripts.receivers.on_award_rescinded` (revokes the transcripts that showed it) and
  `credentials.status.on_award_rescinded` (revokes the award's credential).
- `transcript_revoked` (sent by transcripts) → `credentials.status.on_transcript_revoked`
  (revokes the credentials of every record the transcript showed).

Registries, and what fills them:

- Home panels (`careercenter.homepanels`, shown by the role home pages): internships' student
  panel, credits' student / advisor / registrar panels, transcripts' student and
  registrar/admin panels, credentials' student panel — see `_HOME_PANELS` for roles and order.
- Doctor checks (`careercenter.checks.CHECKS`, run by `flask doctor`): `doctor.CORE_CHECKS`
  (database, secret key, OIDC, LDAP, SMTP, signing, VC key, rate limits), then SSO's SAML and
  CAS checks (`sso/doctor_checks.py`).
- Student export sections (`careercenter.audit.export.EXTRA_SECTIONS`, beyond audit's own):
  transcripts (`transcripts.receivers.export_section`).
- Queue gauges on /metrics (`careercenter.observability.GAUGES`): the outbox
  (`notify/metrics.py`), sign-offs waiting (`internships/metrics.py`), awards waiting to be
  posted (`credits/metrics.py`).
- The state-move recorder (`careercenter.statemachine.use_recorder`): the audit chain's
  `audit.service.record_event`.
- Template globals: `is_personal_address` (internships' supervisor-address rules, issue 16), which
  the advisor's credit request page (credits) uses to mark a free-mail supervisor; and
  `supervisor_badge` (employers, issue 20): "matches a verified domain of …" or "new domain" on
  the request and experience pages.

Blueprints, CLI groups and sign-in methods are registered in `blueprints.py`, `cli.py` and
`sso/setup.py`; wiring is for what crosses domains. Everything here is idempotent: building many
apps (the tests do) connects and registers each thing once.
"""

from __future__ import annotations

from flask import Flask

from careercenter import checks, doctor, homepanels, observability, signals, statemachine
from careercenter.audit import export
from careercenter.audit.service import record_event
from careercenter.credentials import status as credential_status
from careercenter.credentials import views as credentials_views
from careercenter.credits import metrics as credits_metrics
from careercenter.credits import panels as credits_panels
from careercenter.employers import badges as employer_badges
from careercenter.internships import claim_checks
from careercenter.internships import metrics as internships_metrics
from careercenter.internships import views as internships_views
from careercenter.notify import metrics as notify_metrics
from careercenter.sso import doctor_checks as sso_checks
from careercenter.sso.models import Role
from careercenter.transcripts import receivers as transcripts_receivers
from careercenter.transcripts import views as transcripts_views

_EXTENSION = "careercenter.wiring"

#: (role, panel, order): lower orders come first on the page.
_HOME_PANELS: tuple[tuple[Role, homepanels.PanelFunc, int], ...] = (
    (Role.STUDENT, internships_views.student_panel, 10),
    (Role.STUDENT, credits_panels.student_panel, 40),
    (Role.STUDENT, transcripts_views._student_panel, 60),
    (Role.STUDENT, credentials_views.student_panel, 80),
    (Role.ADVISOR, credits_panels.advisor_panel, 20),
    (Role.REGISTRAR, credits_panels.registrar_panel, 30),
    (Role.REGISTRAR, transcripts_views._registrar_panel, 60),
    (Role.ADMIN, transcripts_views._registrar_panel, 60),
)


def wire(app: Flask) -> None:
    """Connect every signal receiver and fill every registry (once per app, once per process)."""
    if app.extensions.get(_EXTENSION):
        return
    connect_signals()
    fill_registries()
    app.add_template_global(claim_checks.is_personal_address, "is_personal_address")
    app.add_template_global(employer_badges.supervisor_badge, "supervisor_badge")
    app.extensions[_EXTENSION] = True


def connect_signals() -> None:
    # Strong references: the receivers are module functions that live as long as the process,
    # and blinker keeps one connection per receiver, so connecting again changes nothing.
    signals.award_rescinded.connect(transcripts_receivers.on_award_rescinded, weak=False)
    signals.award_rescinded.connect(credential_status.on_award_rescinded, weak=False)
    signals.transcript_revoked.connect(credential_status.on_transcript_revoked, weak=False)


def fill_registries() -> None:
    statemachine.use_recorder(record_event)
    for role, panel, order in _HOME_PANELS:
        homepanels.add_panel(role, panel, order=order)
    for check in (*doctor.CORE_CHECKS, sso_checks.check_saml, sso_checks.check_cas):
        checks.add_check(check)
    export.add_section(transcripts_receivers.export_section())
    for gauges in (notify_metrics.outbox_gauges, internships_metrics.signoff_gauges, credits_metrics.award_gauges):
        observability.add_gauges(gauges)
