"""Request and response bodies of the ``/v1`` API, as they appear in the OpenAPI document."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Decision = Literal["block", "review", "allow"]


class ScanJson(BaseModel):
    """Scan by URL (the service fetches it) or by signals the platform computed itself."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=4096, examples=["https://cdn.example/a.jpg"])
    signals: dict[str, str] | None = Field(
        default=None, examples=[{"pdq": "f" * 64}], description="signal type → value"
    )
    content_id: str | None = Field(default=None, max_length=256)
    user_id: str | None = Field(default=None, max_length=256)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_source(self) -> ScanJson:
        if (self.url is None) == (self.signals is None):
            raise ValueError("send exactly one of 'url' or 'signals' (or a multipart 'file')")
        return self


class MatchOut(BaseModel):
    bank: str
    entry_id: int
    signal_type: str
    distance: int
    action: Decision
    labels: list[str] = []
    query_variant: str | None = Field(
        default=None, description="which view of the upload matched (absent: as uploaded)"
    )
    banked_variant: str | None = Field(
        default=None, description="which banked view matched (absent: the banked item itself)"
    )


class ScanOut(BaseModel):
    scan_id: int | None = Field(description="id of the scan record (null when not recorded)")
    decision: Decision
    matches: list[MatchOut]
    signals: dict[str, str]
    quality: dict[str, int] = {}
    content_id: str | None = None
    latency_ms: float


class ErrorDetail(BaseModel):
    code: str
    message: str
    reason: str | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail
