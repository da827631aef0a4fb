"""Every cross-domain connection, in one place: `create_app` calls `wire(app)` once.

No module connects a signal or registers itself when it is imported; this module does it all,
explicitly, so a newcomer finds every arrow between the domains here.

Signals (`careercenter/signals.py`; receivers run in the sender's transaction and only flush):

- `award_rescinded` (sent by credits when registrar staff rescind an award) →
  `transcripts.receivers.on_award_rescinded` (revokes the transcripts that showed it) and
  `credentials.status.on_award_rescinded` (revokes the award's credential); transcripts also
  offer the student a reissue that leaves the award out.
- `transcript_revoked` (sent by transcripts): nothing in the house reacts. Revoking a transcript
  (lost, issued in error) changes that document only; a record's credential is revoked only when
  the record itself is withdrawn (issue 18: one status per record, not per document).
- `name_changed` (sent by sso when the directory changes someone's name) →
  `transcripts.receivers.on_name_changed` (offers the student a reissue).
- `amendment_granted` (sent by amendments when registrar staff correct a record) →
  `transcripts.receivers.on_amendment_granted` (supersedes the transcripts that showed the old
  value, offers a reissue) and `credentials.status.on_amendment_granted` (revokes the old
  version's credential; the new version's is issued on request).
- `award_ready` (sent by credits when an approval makes an award) and `award_rescinded` →
  `registrar.webhooks.receivers` (write a webhook delivery per subscription: the outbox).

Registries, and what fills them:

- Home panels (`careercenter.homepanels`, shown by the role home pages): internships' student
  panel, credits' student / advisor / registrar panels, transcripts' student and
  registrar panels, amendments' registrar panel, credentials' student panel, the admin's cards
  (people, sessions, API clients, outbox, audit log, health checks) — see `_HOME_PANELS` for roles
  and order.
- Doctor checks (`careercenter.checks.CHECKS`, run by `flask doctor`): `doctor.CORE_CHECKS`
  (database, secret key, OIDC, LDAP, SMTP, signing, VC key, rate limits), then SSO's SAML and
  CAS checks (`sso/doctor_checks.py`).
- Student export sections (`careercenter.audit.export.EXTRA_SECTIONS`, beyond audit's own):
  transcripts (`transcripts.receivers.export_section`), amendment requests with their decisions
  and statements of disagreement (`amendments.service.export_section`).
- Queue gauges on /metrics (`careercenter.observability.GAUGES`): the outbox
  (`notify/metrics.py`), sign-offs waiting (`internships/metrics.py`), awards waiting to be
  posted (`credits/metrics.py`), background jobs by state and the oldest queued job's age
  (`jobs/metrics.py`).
- The state-move recorder (`careercenter.statemachine.use_recorder`): the audit chain's
  `audit.service.record_event`.
- Job handlers (`careercenter.jobs.service.add_handler`, run by `flask jobs run`): transcripts'
  `transcript.issue` (`transcripts/jobs.py`: render and sign off the request path).
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
from careercenter.admin import views as admin_views
from careercenter.amendments import panels as amendment_panels
from careercenter.amendments import service as amendments_service
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
from careercenter.jobs import metrics as jobs_metrics
from careercenter.jobs import service as jobs
from careercenter.notify import metrics as notify_metrics
from careercenter.registrar import documents
from careercenter.registrar.webhooks import receivers as webhook_receivers
from careercenter.sso import doctor_checks as sso_checks
from careercenter.sso.models import Role
from careercenter.transcripts import jobs as transcript_jobs
from careercenter.transcripts import panels as transcripts_panels
from careercenter.transcripts import receivers as transcripts_receivers

_EXTENSION = "careercenter.wiring"

#: (role, panel, order): lower orders come first on the page.
_HOME_PANELS: tuple[tuple[Role, homepanels.PanelFunc, int], ...] = (
    (Role.STUDENT, internships_views.student_panel, 10),
    (Role.STUDENT, credits_panels.student_panel, 40),
    (Role.STUDENT, transcripts_panels.student_panel, 60),
    (Role.STUDENT, credentials_views.student_panel, 80),
    (Role.ADVISOR, credits_panels.advisor_panel, 20),
    (Role.REGISTRAR, credits_panels.registrar_panel, 30),
    (Role.REGISTRAR, transcripts_panels.registrar_panel, 60),
    (Role.REGISTRAR, amendment_panels.registrar_panel, 65),
    (Role.ADMIN, admin_views.admin_panel, 5),
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
    signals.award_ready.connect(webhook_receivers.on_award_ready, weak=False)
    signals.award_rescinded.connect(webhook_receivers.on_award_rescinded, weak=False)
    signals.name_changed.connect(transcripts_receivers.on_name_changed, weak=False)
    signals.amendment_granted.connect(transcripts_receivers.on_amendment_granted, weak=False)
    signals.amendment_granted.connect(credential_status.on_amendment_granted, weak=False)


def fill_registries() -> None:
    statemachine.use_recorder(record_event)
    for role, panel, order in _HOME_PANELS:
        homepanels.add_panel(role, panel, order=order)
    for check in (*doctor.CORE_CHECKS, sso_checks.check_saml, sso_checks.check_cas, documents.check_award_documents):
        checks.add_check(check)
    export.add_section(transcripts_receivers.export_section())
    export.add_section(amendments_service.export_section())
    jobs.add_handler(transcript_jobs.KIND, transcript_jobs.issue_job)
    for gauges in (
        notify_metrics.outbox_gauges,
        internships_metrics.signoff_gauges,
        credits_metrics.award_gauges,
        jobs_metrics.job_gauges,
    ):
        observability.add_gauges(gauges)
