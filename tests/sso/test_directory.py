"""The campus directory through python-ldap against a real slapd: look-up, role mapping,
resolve_person, failures closed, filter injection, STARTTLS."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.models import AuditEvent
from careercenter.sso.directory import Directory
from careercenter.sso.errors import DirectoryUnavailable, InvalidCredentials, NoRole, SignInRefused, UnknownPerson
from careercenter.sso.models import ClassLevel, Person, Role
from careercenter.sso.service import Identity, resolve_person
from careercenter.sso.settings import directory_settings, parse_role_map
from tests.peers.ldap import CampusDirectory
from tests.sso.conftest import ADVISORS, ROLE_MAP, directory_config


def _directory(campus: CampusDirectory, **overrides: Any) -> Directory:
    settings = directory_settings(directory_config(campus, **overrides))
    assert settings is not None
    return Directory(settings)


def _resolve(session: Any, directory: Directory, username: str | None = None, email: str | None = None) -> Person:
    return resolve_person(session, directory, Identity("test", None, username, email), parse_role_map(ROLE_MAP))


def test_lookup_reads_the_entry_and_groups(campus: CampusDirectory) -> None:
    entry = _directory(campus).find_person(username="dana")
    assert entry is not None
    assert (entry.display_name, entry.email, entry.campus_id) == (
        "Dana Whitfield",
        "dana.whitfield@example.edu",
        "F2001",
    )
    assert [g.lower() for g in entry.groups] == [ADVISORS.lower()]
    assert set(entry.affiliations) == {"faculty", "employee"}


@pytest.mark.parametrize(
    ("uid", "roles", "program", "level"),
    [
        ("maya", {Role.STUDENT}, "Computer Science", ClassLevel.JUNIOR),
        ("dana", {Role.ADVISOR}, None, None),
        ("karen", {Role.REGISTRAR}, None, None),
        ("alex", {Role.REGISTRAR, Role.ADMIN}, None, None),
    ],
)
def test_resolve_person_maps_roles_and_refreshes_fields(
    session: Any, campus: CampusDirectory, uid: str, roles: set[Role], program: str | None, level: ClassLevel | None
) -> None:
    person = _resolve(session, _directory(campus), username=uid)
    assert person.roles == roles
    assert (person.program, person.class_level, person.is_demo, person.is_active) == (program, level, False, True)
    actions = session.execute(sa.select(AuditEvent.action).where(AuditEvent.subject_id == str(person.id))).scalars()
    assert list(actions) == ["person.added", "auth.login"]


def test_lookup_by_email_alone(session: Any, campus: CampusDirectory) -> None:
    person = _resolve(session, _directory(campus), email="liam.chen@students.example.edu")
    assert person.campus_id == "S1002" and person.roles == {Role.STUDENT}


def test_directory_changes_apply_at_the_next_login(session: Any, campus: CampusDirectory) -> None:
    directory = _directory(campus)
    person = _resolve(session, directory, username="maya")
    assert person.email == "maya.okafor@students.example.edu"
    campus.modify_person("maya", mail="maya.o@students.example.edu", title="senior", displayName="Maya O. Okafor")
    campus.add_member("career-advisors", "maya")
    try:
        again = _resolve(session, directory, username="maya")
        assert again.id == person.id
        assert (again.email, again.class_level, again.display_name) == (
            "maya.o@students.example.edu",
            ClassLevel.SENIOR,
            "Maya O. Okafor",
        )
        assert again.roles == {Role.STUDENT, Role.ADVISOR}
    finally:
        campus.remove_member("career-advisors", "maya")
        campus.modify_person("maya", mail="maya.okafor@students.example.edu", title="junior", displayName="Maya Okafor")
    assert _resolve(session, directory, username="maya").roles == {Role.STUDENT}


def test_unknown_person_is_refused(session: Any, campus: CampusDirectory) -> None:
    with pytest.raises(UnknownPerson, match="does not list you"):
        _resolve(session, _directory(campus), username="nobody", email="nobody@example.edu")
    assert session.execute(sa.select(sa.func.count()).select_from(Person)).scalar_one() == 0


def test_entry_without_a_mapped_role_is_refused(session: Any, campus: CampusDirectory) -> None:
    with pytest.raises(NoRole, match="nothing there gives you access"):
        _resolve(session, _directory(campus), username="vic")
    assert session.execute(sa.select(Person).where(Person.campus_id == "V9001")).first() is None


def test_directory_down_fails_closed_without_stale_roles(session: Any, campus: CampusDirectory) -> None:
    directory = _directory(campus)
    person = _resolve(session, directory, username="karen")
    assert person.roles == {Role.REGISTRAR}
    with campus.outage():
        with pytest.raises(DirectoryUnavailable, match="cannot be reached"):
            _resolve(session, directory, username="karen")


def test_wrong_service_password_fails_closed(session: Any, campus: CampusDirectory) -> None:
    with pytest.raises(DirectoryUnavailable, match="refused this service's own account"):
        _resolve(session, _directory(campus, LDAP_BIND_PASSWORD="wrong"), username="maya")


@pytest.mark.parametrize("attack", ["*", "maya)(uid=*", "*)(|(uid=*", "maya\\2a", "\x00", "(uid=dana)"])
def test_filter_injection_in_the_username_finds_nobody(campus: CampusDirectory, attack: str) -> None:
    directory = _directory(campus)
    assert directory.find_person(username=attack) is None
    with pytest.raises(InvalidCredentials):
        directory.authenticate(attack, "secret")


def test_filter_values_are_escaped(campus: CampusDirectory) -> None:
    assert _directory(campus).user_filter("a*)(uid=*", None) == r"(|(uid=a\2a\29\28uid=\2a)(mail=\00))"


def test_authenticate_binds_as_the_person(campus: CampusDirectory) -> None:
    directory = _directory(campus)
    assert directory.authenticate("maya", "secret").campus_id == "S1001"
    assert directory.authenticate("maya.okafor@students.example.edu", "secret").campus_id == "S1001"
    for username, password in [("maya", "wrong"), ("maya", ""), ("", "secret"), ("nobody", "secret")]:
        with pytest.raises(InvalidCredentials, match="username or password is not correct"):
            directory.authenticate(username, password)


def test_starttls_with_the_campus_ca(campus: CampusDirectory) -> None:
    directory = _directory(campus, LDAP_STARTTLS=True, LDAP_CA_CERT_FILE=campus.cafile)
    assert directory.find_person(username="maya") is not None


def test_ldaps_with_the_campus_ca(campus: Any) -> None:
    directory = _directory(campus, LDAP_URL=campus.ldaps_uri, LDAP_CA_CERT_FILE=campus.cafile)
    assert directory.find_person(username="maya") is not None
    assert directory.authenticate("maya", "secret").campus_id == "S1001"


def test_ldaps_refuses_an_untrusted_certificate(campus: Any, tmp_path: Any) -> None:
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes(_self_signed_ca())
    directory = _directory(campus, LDAP_URL=campus.ldaps_uri, LDAP_CA_CERT_FILE=str(other_ca))
    with pytest.raises(DirectoryUnavailable):
        directory.find_person(username="maya")


def test_starttls_refuses_an_untrusted_certificate(campus: CampusDirectory, tmp_path: Any) -> None:
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes(_self_signed_ca())
    directory = _directory(campus, LDAP_STARTTLS=True, LDAP_CA_CERT_FILE=str(other_ca))
    with pytest.raises(DirectoryUnavailable):
        directory.find_person(username="maya")


def _self_signed_ca() -> bytes:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Some Other CA")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def test_without_a_base_dn_the_servers_naming_context_is_used(campus: CampusDirectory) -> None:
    entry = _directory(campus, LDAP_BASE_DN=None).find_person(username="dana")
    assert entry is not None and entry.campus_id == "F2001" and len(entry.groups) == 1


@pytest.mark.parametrize(
    ("user", "status", "words"),
    [
        ("alex", "OK", "campus id A4001, roles admin, registrar"),
        ("vic", "FAIL", "maps to no role; check CAREERCENTER_LDAP_ROLE_MAP"),
        ("nobody", "FAIL", "not found by CAREERCENTER_LDAP_USER_FILTER"),
    ],
)
def test_doctor_looks_a_person_up_as_a_sign_in_would(
    make_app: Any, campus: CampusDirectory, user: str, status: str, words: str
) -> None:
    from careercenter.sso.directory import doctor_lookup

    app = make_app(**directory_config(campus))
    result = doctor_lookup(app, user)
    assert result[0] == status and words in result[1]


def test_an_email_held_by_another_account_is_refused(session: Any, campus: CampusDirectory, make_student: Any) -> None:
    make_student(email="maya.okafor@students.example.edu", campus_id="OLD-1")
    with pytest.raises(SignInRefused, match="belongs to another account"):
        _resolve(session, _directory(campus), username="maya")


def test_a_demo_person_the_directory_confirms_becomes_real(
    session: Any, campus: CampusDirectory, make_student: Any
) -> None:
    demo = make_student(campus_id="S1001", email="maya@demo.example.edu", is_demo=True)
    person = _resolve(session, _directory(campus), username="maya")
    assert person.id == demo.id and person.is_demo is False and person.email == "maya.okafor@students.example.edu"


def test_flask_doctor_user_uses_the_directory_lookup(make_app: Any, campus: CampusDirectory) -> None:
    app = make_app(**directory_config(campus))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["doctor", "--user", "alex"])
    line = next(line for line in result.output.splitlines() if "ldap user" in line)
    assert line.startswith("OK") and "campus id A4001, roles admin, registrar" in line


def test_a_concurrent_first_sign_in_finds_the_person_the_other_made(
    session: Any, campus: CampusDirectory, monkeypatch: Any
) -> None:
    import careercenter.sso.service as service

    directory = _directory(campus)
    first = _resolve(session, directory, username="liam")
    real_lookup = service.get_person_by_campus_id
    calls: list[str] = []

    def late_lookup(session: Any, campus_id: str) -> Person | None:
        calls.append(campus_id)
        return None if len(calls) == 1 else real_lookup(session, campus_id)  # the other request's row

    monkeypatch.setattr(service, "get_person_by_campus_id", late_lookup)
    session.execute(sa.update(Person).where(Person.id == first.id).values(email="x@example.edu"))
    again = _resolve(session, directory, username="liam")
    assert again.id == first.id and again.email == "liam.chen@students.example.edu" and len(calls) == 2
