"""Domain errors of the actions layer, each with a message fit to show an operator as is.

Callers (CLI, HTTP API) map these to exit codes and status codes by class, never by parsing the
message. They subclass ``LookupError``/``ValueError`` where that is what they are, so generic
handlers still do the right thing. No message ever contains a webhook secret or a payload:
error messages end up in logs and tickets.
"""

from __future__ import annotations

from collections.abc import Iterable


class ActionError(Exception):
    """Base of every error the actions layer raises on purpose."""


class WebhookNotFound(ActionError, LookupError):  # noqa: N818
    def __init__(self, name: str) -> None:
        super().__init__(f"no webhook named {name!r}")
        self.name = name


class WebhookExists(ActionError):  # noqa: N818
    def __init__(self, name: str) -> None:
        super().__init__(f"a webhook named {name!r} already exists; remove it first")
        self.name = name


class WebhookDisabled(ActionError):  # noqa: N818
    """Something was asked of a disabled webhook that only an enabled one can do."""

    def __init__(self, name: str) -> None:
        super().__init__(f"webhook {name!r} is disabled, so nothing would be sent; enable it first")
        self.name = name


class InvalidWebhookName(ActionError, ValueError):  # noqa: N818
    def __init__(self, name: object) -> None:
        super().__init__(
            f"invalid webhook name {name!r}: use 1 to 64 characters from A-Z a-z 0-9 _ . -"
        )
        self.name = name


class InvalidWebhookUrl(ActionError, ValueError):  # noqa: N818
    def __init__(self, url: object, reason: str) -> None:
        super().__init__(f"invalid webhook URL {url!r}: {reason}")
        self.url = url
        self.reason = reason


class InvalidWebhookSecret(ActionError, ValueError):  # noqa: N818
    """A caller-supplied signing secret is unusable (the secret itself is never echoed)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid webhook secret: {reason}")


class UnknownEvent(ActionError, ValueError):  # noqa: N818
    def __init__(self, name: object, known: Iterable[str]) -> None:
        super().__init__(f"unknown event {name!r} (known: {', '.join(known)})")
        self.name = name


class InvalidPayload(ActionError, ValueError):  # noqa: N818
    """An event payload cannot be sent as JSON (bytes, objects, non-string keys, ...)."""

    def __init__(self, event: str, reason: str) -> None:
        super().__init__(f"payload of {event!r} is not plain JSON: {reason}")
        self.event = event


class InvalidCase(ActionError, ValueError):  # noqa: N818
    """A case's fields are unusable (empty or overlong kind, overlong ids, ...)."""


class DeliveryNotFound(ActionError, LookupError):  # noqa: N818
    def __init__(self, delivery_id: int) -> None:
        super().__init__(f"no webhook delivery with id {delivery_id}")
        self.delivery_id = delivery_id


class InvalidDeliveryStatus(ActionError, ValueError):  # noqa: N818
    def __init__(self, status: object, valid: Iterable[str]) -> None:
        super().__init__(f"invalid delivery status {status!r}: use one of {', '.join(valid)}")
        self.status = status
