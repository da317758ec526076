"""The JSON API at /api/v1/: the same selectors and services as the pages, with the same
visibility rule. Every route takes a personal Bearer token (POST /auth/token) or the session
(CSRF on writes); the OpenAPI docs are at /api/v1/docs."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kinerja.core.errors import DomainError
from kinerja.core.http_errors import error_response, status_error_response, validation_details
from kinerja.core.middleware import is_database_busy
from kinerja.organisation.selectors import (
    current_holdings_of_unit,
    unit_get_for_viewer,
    unit_list_for_viewer,
)
from kinerja.sops.selectors import sop_list_for_viewer, sop_version_get_for_viewer

from . import catalogue, collection, dashboard, documents, notifications, tokens
from .auth import bearer, session, viewer_of
from .docs import docs_view
from .parser import ExactNumbers
from .schemas import (
    ErrorOut,
    Id,
    MeOut,
    SopSummaryOut,
    SopVersionOut,
    UnitDetailOut,
    UnitOut,
)

logger = logging.getLogger(__name__)

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_DESCRIPTIONS = {
    400: "Refused: the request does not fit the rules.",
    401: "No valid Bearer token or session.",
    403: "Not allowed for your position (or no person for this log-in; or CSRF).",
    404: "Not found, or of another agency.",
    409: "Stale (someone saved first) or out of turn.",
    422: "Missing or invalid fields (an id is 1 to 2**63-1).",
    429: "Locked out after too many failed log-ins.",
    500: "Unexpected server error (logged).",
    503: "The database is busy; try again (see Retry-After).",
}


def _error_statuses(path: str, method: str, operation: dict) -> set[int]:
    """The errors an operation can answer, from what it takes: every operation may meet a
    bug or a busy database; one that needs a log-in 401 and 403; one with a path parameter
    or a body 404 and 422; a write the services' refusals (400, 409)."""
    statuses = {500, 503}
    if operation.get("security"):
        statuses |= {401, 403}
    if "{" in path or operation.get("requestBody"):
        statuses |= {404, 422}  # a path or a body names things that may not exist
    if method != "get":
        statuses |= {400, 409, 422}
    return statuses


class KinerjaAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """The document with the error responses each operation can answer, all in the one
        `Error` schema, so that clients (and the schemathesis run) know every status."""
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = (
            ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}"))
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                statuses = _error_statuses(path, method, operation)
                if path.endswith("/auth/token") and method == "post":
                    statuses |= {401, 429}
                responses = operation.setdefault("responses", {})
                for status in sorted(statuses):
                    responses.setdefault(status, {
                        "description": ERROR_DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": ERROR_REF}}})
        return schema


api = KinerjaAPI(title="Kinerja API", version="1", urls_namespace="api", auth=[bearer, session],
                 docs_decorator=docs_view, parser=ExactNumbers())


@api.exception_handler(DomainError)
def domain_error(request, error: DomainError):
    return error_response(error.status_code, error.code, error.message, error.details)


@api.exception_handler(DjangoPermissionDenied)
def forbidden(request, error):
    return status_error_response(403)


@api.exception_handler(Http404)
def not_found(request, error):
    return status_error_response(404)


@api.exception_handler(AuthenticationError)
def not_authenticated(request, error):
    return status_error_response(401)


@api.exception_handler(ValidationError)
def invalid_input(request, error: ValidationError):
    return status_error_response(422, validation_details(error.errors))


@api.exception_handler(HttpError)
def http_error(request, error: HttpError):
    """django-ninja's own refusals, e.g. a session write without its CSRF token (403)."""
    return status_error_response(error.status_code, [error.message])


@api.exception_handler(Exception)
def unexpected(request, error: Exception):
    """Anything else: a busy database is 503 "try again"; a bug is logged with its
    traceback and answered 500 in the error shape, never with Django's HTML page."""
    if is_database_busy(error):
        logger.warning("database busy: %s %s: %s", request.method, request.path, error)
        return status_error_response(503)
    logger.error("API error: %s %s", request.method, request.path,
                 exc_info=(type(error), error, error.__traceback__))
    return status_error_response(500)


api.add_router("", tokens.router)
api.add_router("", collection.router)
api.add_router("", documents.router)
api.add_router("", catalogue.router)
api.add_router("", notifications.router)
api.add_router("", dashboard.router)


def _unit_out(unit) -> dict:
    return {"id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.kind,
            "parent_id": unit.parent_id,
            "functions": sorted(tag.code for tag in unit.functions.all())}


@api.get("/me", response=MeOut, tags=["people"])
def me(request):
    viewer = viewer_of(request)
    person = request.user.person
    return {
        "username": request.user.username, "person_id": person.id, "name": person.full_name,
        "agency": person.agency.short_name, "language": request.LANGUAGE_CODE,
        "roles": [{"position_kind": role.position_kind, "position_title": role.position_title,
                   "unit_id": role.unit_id, "acting": role.acting} for role in viewer.roles],
    }


@api.get("/units", response=list[UnitOut], tags=["organisation"])
def units(request):
    return [_unit_out(unit) for unit in unit_list_for_viewer(viewer=viewer_of(request))]


@api.get("/units/{unit_id}", response=UnitDetailOut, tags=["organisation"])
def unit(request, unit_id: Id):
    found = unit_get_for_viewer(viewer=viewer_of(request), unit_id=unit_id)
    holders = [
        {"name": holding.person.full_name, "nip": holding.person.formatted_number,
         "position": position.title, "signing_title": holding.signing_title,
         "acting": holding.is_acting}
        for position in current_holdings_of_unit(unit=found)
        for holding in position.current_holdings
    ]
    return {**_unit_out(found), "holders": holders}


@api.get("/sops", response=list[SopSummaryOut], tags=["sops"])
def sops(request):
    return [
        {"id": sop.id, "number": sop.number, "title": sop.current.title,
         "version": sop.current.version}
        for sop in sop_list_for_viewer(viewer=viewer_of(request)) if sop.current
    ]


def _version_out(version) -> dict:
    fields = {name: getattr(version, name) for name in SopVersionOut.model_fields
              if name not in {"number", "steps"}}
    steps = [
        {**{name: getattr(step, name) for name in (
            "number", "description", "actor_position", "actor_unit_function", "actor_inferred",
            "participants", "inputs", "time_standard_minutes", "output", "remarks", "kind",
            "scope", "starts_tracks", "waits_for_tracks")},
         "actor": step.actor.label,
         "returns_to": step.returns_to.number if step.returns_to else None}
        for step in version.steps.all()
    ]
    return {**fields, "number": version.sop.number, "steps": steps}


@api.get("/sops/{sop_id}", response=SopVersionOut, tags=["sops"])
def sop_current(request, sop_id: Id):
    return _version_out(sop_version_get_for_viewer(viewer=viewer_of(request), sop_id=sop_id))


@api.get("/sops/{sop_id}/versions/{version}", response=SopVersionOut, tags=["sops"])
def sop_version(request, sop_id: Id, version: Id):
    return _version_out(sop_version_get_for_viewer(viewer=viewer_of(request), sop_id=sop_id,
                                                   version=version))
