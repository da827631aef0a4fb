"""Every blueprint is registered here, and only here."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from careercenter.audit.views import bp as audit_bp
    from careercenter.sso.devlogin import bp as devlogin_bp
    from careercenter.views import bp as main_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(audit_bp)
    # -- admin --
    from careercenter.admin.views import bp as admin_bp

    app.register_blueprint(admin_bp)
    if app.config["DEV_LOGIN"]:
        app.register_blueprint(devlogin_bp)
    # -- sso --
    from careercenter.sso.setup import init_sso

    init_sso(app)
    # sso: saml / cas (after OIDC, which registers its sign-in methods first)
    from careercenter.sso.campus_setup import init_campus_sign_in

    init_campus_sign_in(app)
    from careercenter.sso.people_views import bp as people_bp

    app.register_blueprint(people_bp)
    # -- internships --
    from careercenter.internships.views import bp as internships_bp

    app.register_blueprint(internships_bp)
    # -- employers --
    from careercenter.employers.views import bp as employers_bp

    app.register_blueprint(employers_bp)
    # -- notify --
    from careercenter.notify.views import bp as notify_bp

    app.register_blueprint(notify_bp)
    # -- credits --
    from careercenter.credits.approval_views import bp as approvals_bp
    from careercenter.credits.student_views import bp as student_record_bp
    from careercenter.credits.views import bp as credits_bp
    from careercenter.credits.withdraw_views import bp as withdrawal_bp

    app.register_blueprint(credits_bp)
    app.register_blueprint(approvals_bp)
    app.register_blueprint(student_record_bp)
    app.register_blueprint(withdrawal_bp)
    # -- transcripts --
    from careercenter.transcripts.views import bp as transcripts_bp

    app.register_blueprint(transcripts_bp)
    # -- registrar --
    from careercenter.registrar.award_pages import bp as registrar_awards_bp
    from careercenter.registrar.import_pages import bp as registrar_import_bp
    from careercenter.registrar.pages import bp as registrar_pages_bp
    from careercenter.registrar.pesc_views import bp as registrar_pesc_bp
    from careercenter.registrar.views import bp as registrar_bp
    from careercenter.registrar.webhooks.views import bp as registrar_webhooks_bp

    app.register_blueprint(registrar_bp)
    app.register_blueprint(registrar_pages_bp)
    app.register_blueprint(registrar_import_bp)
    app.register_blueprint(registrar_awards_bp)
    app.register_blueprint(registrar_pesc_bp)
    app.register_blueprint(registrar_webhooks_bp)
    # -- amendments (FERPA amendment requests) --
    from careercenter.amendments.views import bp as amendments_bp

    app.register_blueprint(amendments_bp)
    # -- credentials --
    from careercenter.credentials.public_views import bp as credentials_public_bp
    from careercenter.credentials.views import bp as credentials_bp

    app.register_blueprint(credentials_bp)
    app.register_blueprint(credentials_public_bp)
    from careercenter.credentials.wallet_views import bp as wallet_bp

    app.register_blueprint(wallet_bp)
    # -- sharing (consented share links) --
    from careercenter.sharing.views import bp as sharing_bp

    app.register_blueprint(sharing_bp)
    # -- reports --
    from careercenter.reports.views import bp as reports_bp

    app.register_blueprint(reports_bp)
    from careercenter.credits.rule_pages import bp as rules_bp

    app.register_blueprint(rules_bp)
    from careercenter.audit.log_pages import bp as audit_log_bp

    app.register_blueprint(audit_log_bp)
    # -- operations --
