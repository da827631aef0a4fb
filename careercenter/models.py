"""Import every domain's models so that metadata (and Alembic) sees the whole schema."""

from careercenter.amendments.models import AmendmentRequest  # noqa: F401
from careercenter.audit.models import AuditEvent, AwardDisclosure, Disclosure  # noqa: F401
from careercenter.credentials.models import CredentialSubject, IssuedCredential, StatusList  # noqa: F401
from careercenter.credentials.wallet_models import WalletExchange  # noqa: F401
from careercenter.credits.approval_models import ApprovalDecision, ApprovalWait, Delegation  # noqa: F401
from careercenter.credits.models import CreditAward, CreditRequest, CreditRule  # noqa: F401
from careercenter.employers.models import (  # noqa: F401
    Employer,
    EmployerDomain,
    EvaluationForm,
    PlatformId,
    SupervisorContact,
)
from careercenter.internships.models import Experience, SignoffRequest, SignoffToken  # noqa: F401
from careercenter.jobs.models import Job  # noqa: F401
from careercenter.notify.models import OutboxMessage  # noqa: F401
from careercenter.registrar.models import ApiClient, ApiToken  # noqa: F401
from careercenter.registrar.webhooks.models import WebhookDelivery, WebhookSubscription  # noqa: F401
from careercenter.sharing.models import ShareLink  # noqa: F401
from careercenter.sso.cas_models import CasConsumedTicket  # noqa: F401
from careercenter.sso.models import AdvisorAssignment, Person, PoolMembership, RoleGrant  # noqa: F401
from careercenter.sso.saml_models import SamlConsumedAssertion, SamlOutstandingRequest  # noqa: F401
from careercenter.sso.sessions import WebSession  # noqa: F401
from careercenter.transcripts.models import ReissueOffer, Transcript  # noqa: F401
