"""The JSON API at /api/v1/: the same selectors and services as the pages, with the same
visibility rule. Every route takes a personal Bearer token (POST /auth/token) or the session
(CSRF on writes); the OpenAPI docs are at /api/v1/docs."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from kinerja.core.errors import DomainError
from kinerja.organisation.selectors import (
    current_holdings_of_unit,
    unit_get_for_viewer,
    unit_list_for_viewer,
)
from kinerja.sops.selectors import sop_list_for_viewer, sop_version_get_for_viewer

from . import collection, documents, tokens
from .auth import bearer, session, viewer_of
from .docs import docs_view
from .schemas import MeOut, SopSummaryOut, SopVersionOut, UnitDetailOut, UnitOut

api = NinjaAPI(title="Kinerja API", version="1", urls_namespace="api", auth=[bearer, session],
               docs_decorator=docs_view)


@api.exception_handler(DomainError)
def domain_error(request, error: DomainError):
    return api.create_response(
        request, {"code": error.code, "message": error.message, "details": error.details},
        status=error.status_code)


@api.exception_handler(DjangoPermissionDenied)
def forbidden(request, error):
    return api.create_response(
        request, {"code": "forbidden", "message": "Not allowed for your position.",
                  "details": []}, status=403)


@api.exception_handler(Http404)
def not_found(request, error):
    return api.create_response(
        request, {"code": "not_found", "message": "Not found.", "details": []}, status=404)


@api.exception_handler(AuthenticationError)
def not_authenticated(request, error):
    return api.create_response(
        request, {"code": "not_authenticated",
                  "message": "Send a Bearer token (POST /api/v1/auth/token) or sign in.",
                  "details": []}, status=401)


api.add_router("", tokens.router)
api.add_router("", collection.router)
api.add_router("", documents.router)


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
def unit(request, unit_id: int):
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
def sop_current(request, sop_id: int):
    return _version_out(sop_version_get_for_viewer(viewer=viewer_of(request), sop_id=sop_id))


@api.get("/sops/{sop_id}/versions/{version}", response=SopVersionOut, tags=["sops"])
def sop_version(request, sop_id: int, version: int):
    return _version_out(sop_version_get_for_viewer(viewer=viewer_of(request), sop_id=sop_id,
                                                   version=version))
