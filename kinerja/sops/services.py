from dataclasses import dataclass

from django.db import transaction

from kinerja.core.audit import record_event
from kinerja.organisation.models import Agency

from .loader import SopDocument, parse_sop
from .models import Sop, SopActor, SopStep, SopVersion


@dataclass(frozen=True)
class SopLoadResult:
    version: SopVersion
    created: bool


@transaction.atomic
def sop_load(*, agency: Agency, text: str, source_name: str = "", actor=None) -> SopLoadResult:
    """Load an SOP file into the agency. The same content changes nothing; changed content
    becomes a new version beside the old ones. Raises SopFileError for a malformed file."""
    document = parse_sop(text)
    content_hash = document.content_hash()
    sop, _ = Sop.objects.select_for_update().get_or_create(agency=agency,
                                                           number=document.number)
    existing = sop.versions.filter(content_hash=content_hash).first()
    if existing is not None:
        return SopLoadResult(existing, created=False)
    latest = sop.versions.order_by("-version").values_list("version", flat=True).first() or 0
    version = _create_version(sop, document, content_hash, latest + 1, source_name, actor)
    record_event(
        action="sop.loaded", obj=version, actor=actor, agency=agency,
        summary=f"SOP {sop.number} v{version.version} loaded from {source_name or 'file'}",
        data={"content_hash": content_hash, "steps": len(document.steps)},
    )
    return SopLoadResult(version, created=True)


def _create_version(sop: Sop, document: SopDocument, content_hash: str, number: int,
                    source_name: str, actor) -> SopVersion:
    worksheet = document.worksheet
    version = SopVersion.objects.create(
        sop=sop, version=number, content_hash=content_hash, title=document.title,
        government_name=document.government, agency_name=document.agency_name,
        date_made=document.dates.made, date_revised=document.dates.revised,
        date_effective=document.dates.effective,
        approver_position=document.approved_by.position,
        approver_name=document.approved_by.name, approver_rank=document.approved_by.rank,
        approver_nip=document.approved_by.nip,
        legal_basis=document.legal_basis,
        executor_qualifications=document.executor_qualifications,
        related_sops=document.related_sops, equipment=document.equipment,
        warnings=document.warnings,
        recording=[item.model_dump() for item in document.recording],
        documentation=document.documentation,
        activity_type=worksheet.activity_type,
        responsible_for_product=worksheet.responsible_for_product,
        responsible_for_activity=worksheet.responsible_for_activity,
        activity_scope=worksheet.scope,
        worksheet={
            "activity_title": worksheet.activity_title or document.title,
            "first_step": worksheet.first_step, "main_step": worksheet.main_step,
            "last_step": worksheet.last_step, "steps": worksheet.steps,
        },
        notes=document.notes, source_name=source_name[:250],
        loaded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    actors = {
        item.key: SopActor.objects.create(
            version=version, order=index, key=item.key, label=item.label,
            position=item.position, unit_function=item.unit_function)
        for index, item in enumerate(document.actors)
    }
    steps: dict[int, SopStep] = {}
    for item in document.steps:
        actor_column = actors[item.actor]
        steps[item.number] = SopStep.objects.create(
            version=version, number=item.number, description=item.description,
            actor=actor_column,
            actor_position=item.position or actor_column.position,
            actor_unit_function=(item.unit_function if item.unit_function is not None
                                 else actor_column.unit_function),
            actor_inferred=item.actor_inferred, participants=item.participants,
            recorded_by=actors[item.recorded_by] if item.recorded_by else None,
            inputs=item.inputs, time_standard_minutes=item.time_minutes, output=item.output,
            remarks=item.remarks, kind=item.kind, scope=item.scope,
            starts_tracks=item.starts_tracks, waits_for_tracks=item.waits_for_tracks,
        )
    for item in document.steps:
        if item.returns_to:
            step = steps[item.number]
            step.returns_to = steps[item.returns_to]
            step.save(update_fields=["returns_to"])
    return version
