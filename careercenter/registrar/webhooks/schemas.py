"""The webhook API's bodies as pydantic models: they serialize the answers and make the OpenAPI
components (`registrar/openapi_outbound.py`). The request is checked by `service.parse_request`,
which follows the same rules (URL pattern, known events, each once)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from careercenter.registrar.schemas import rfc3339
from careercenter.registrar.webhooks.models import WebhookDelivery, WebhookSubscription

#: A subscription URL: a host name, an optional port, a printable-ASCII path; no user:password@.
URL_PATTERN = r"^https?://[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]{1,5})?(/[!-~]*)?$"
MAX_URL = 500
Event = Literal["award.ready", "award.rescinded"]
DateTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
NullableDateTime = Annotated[str | None, Field(json_schema_extra={"format": "date-time"})]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WebhookRequest(_Closed):
    """`POST /api/v1/webhooks`."""

    url: str = Field(max_length=MAX_URL, pattern=URL_PATTERN, examples=["https://sis.example.edu/hooks"])
    events: list[Event] = Field(min_length=1, json_schema_extra={"uniqueItems": True})


class Webhook(_Closed):
    id: int
    url: str
    events: list[Event]
    created_at: DateTime
    previous_secret_expires_at: NullableDateTime

    @classmethod
    def of(cls, row: WebhookSubscription) -> Webhook:
        return cls.model_construct(**_subscription(row))


def _subscription(row: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": row.url,
        "events": list(row.events),
        "created_at": rfc3339(row.created_at),
        "previous_secret_expires_at": rfc3339(row.previous_secret_expires_at),
    }


class WebhookCreated(Webhook):
    secret: str = Field(pattern=r"^whsec_", description="The signing secret, shown this once.")

    @classmethod
    def made(cls, row: WebhookSubscription, secret: str) -> WebhookCreated:
        return cls.model_construct(**_subscription(row), secret=secret)


class WebhookList(_Closed):
    data: list[Webhook]


class WebhookRotated(_Closed):
    id: int
    secret: str = Field(pattern=r"^whsec_", description="The new signing secret, shown this once.")
    previous_secret_expires_at: DateTime


class Delivery(_Closed):
    id: int
    message_id: str = Field(description="The webhook-id header: the same on every attempt.")
    event: Event
    award_id: int | None
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: NullableDateTime
    delivered_at: NullableDateTime
    created_at: DateTime

    @classmethod
    def of(cls, row: WebhookDelivery) -> Delivery:
        pending = row.state.value == "pending"
        return cls.model_construct(
            id=row.id,
            message_id=row.message_id,
            event=row.event,
            award_id=row.award_id,
            status=row.state.value,
            attempts=row.attempts,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            next_attempt_at=rfc3339(row.next_attempt_at) if pending else None,
            delivered_at=rfc3339(row.delivered_at),
            created_at=rfc3339(row.created_at),
        )


class DeliveryList(_Closed):
    data: list[Delivery]


COMPONENTS: tuple[type[BaseModel], ...] = (
    WebhookRequest,
    Webhook,
    WebhookCreated,
    WebhookList,
    WebhookRotated,
    Delivery,
    DeliveryList,
)
