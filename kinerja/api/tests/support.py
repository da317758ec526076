"""Calling the API as an outside client does: JSON over HTTP with a Bearer token, CSRF
enforced (a Bearer request needs none)."""

from django.test import Client

from kinerja.accounts.models import ApiToken
from kinerja.collection.models import (
    DataRequestFormat,
    Disposition,
    FormatItem,
    IndicatorValue,
    Meeting,
    ReturnRecord,
    Round,
    Signature,
    StepExecution,
    Track,
)
from kinerja.core.models import AuditEvent
from kinerja.documents.models import Hardcopy
from kinerja.notifications.models import Notification

PASSWORD = "correct-horse-battery"
BASE = "/api/v1"


class Caller:
    """One client of the API: a token, or nothing (anonymous), or a browser session."""

    def __init__(self, token: str | None = None, client: Client | None = None):
        self.client = client or Client(enforce_csrf_checks=True)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, body=None):
        call = getattr(self.client, method.lower())
        url = path if path.startswith(BASE) else BASE + path
        if body is None and method.upper() in {"GET", "DELETE"}:
            return call(url, headers=self.headers)
        return call(url, body if body is not None else {}, content_type="application/json",
                    headers=self.headers)

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body=None):
        return self.request("POST", path, body)

    def put(self, path, body):
        return self.request("PUT", path, body)

    def delete(self, path):
        return self.request("DELETE", path)

    def ok(self, method: str, path: str, body=None, status: int = 200):
        """The JSON answer, after checking the status (the body is shown when it differs)."""
        response = self.request(method, path, body)
        assert response.status_code == status, (method, path, response.status_code,
                                                response.content[:500])
        return response.json()


def issue_token(username: str, password: str = PASSWORD, name: str = "tests",
                client: Client | None = None) -> str:
    response = Caller(client=client).post("/auth/token", {
        "username": username, "password": password, "name": name})
    assert response.status_code == 201, response.content
    return response.json()["token"]


def database_state() -> tuple:
    """Everything an API call could change, to check that a refused call changed nothing."""
    return (
        list(Round.objects.order_by("id").values_list("id", "status", "version")),
        list(Track.objects.order_by("id").values_list("id", "stage", "version")),
        list(IndicatorValue.objects.order_by("id").values_list("id", "value", "explanation",
                                                                "version")),
        list(StepExecution.objects.order_by("id").values_list("id", "status")),
        list(Disposition.objects.order_by("id").values_list("id", "version", "round_id",
                                                            "forward_instruction")),
        list(DataRequestFormat.objects.order_by("id").values_list("id", "finalised_at")),
        FormatItem.objects.count(), Signature.objects.count(), Meeting.objects.count(),
        ReturnRecord.objects.count(), AuditEvent.objects.count(),
        list(ApiToken.objects.order_by("id").values_list("id", "revoked_at")),
        list(Hardcopy.objects.order_by("id").values_list("id", "location", "version")),
        list(Notification.objects.order_by("id").values_list("id", "read_at")),
    )
