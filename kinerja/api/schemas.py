from datetime import date

from ninja import Schema


class RoleOut(Schema):
    position_kind: str
    position_title: str
    unit_id: int
    acting: str


class MeOut(Schema):
    username: str
    name: str
    agency: str
    language: str
    roles: list[RoleOut]


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    functions: list[str]


class HolderOut(Schema):
    name: str
    nip: str
    position: str
    signing_title: str
    acting: bool


class UnitDetailOut(UnitOut):
    holders: list[HolderOut]


class SopSummaryOut(Schema):
    id: int
    number: str
    title: str
    version: int


class StepOut(Schema):
    number: int
    description: str
    actor: str
    actor_position: str
    actor_unit_function: str
    actor_inferred: bool
    participants: list[str]
    inputs: str
    time_standard_minutes: int
    output: str
    remarks: str
    kind: str
    scope: str
    starts_tracks: bool
    waits_for_tracks: bool
    returns_to: int | None


class SopVersionOut(Schema):
    id: int
    number: str
    version: int
    content_hash: str
    title: str
    government_name: str
    agency_name: str
    date_made: date
    date_revised: date | None
    date_effective: date | None
    approver_position: str
    approver_name: str
    approver_rank: str
    approver_nip: str
    legal_basis: list[str]
    executor_qualifications: list[str]
    related_sops: list[str]
    equipment: list[str]
    warnings: list[str]
    recording: list[dict]
    documentation: str
    activity_type: str
    responsible_for_product: str
    responsible_for_activity: str
    activity_scope: str
    worksheet: dict
    notes: list[str]
    steps: list[StepOut]


class ErrorOut(Schema):
    code: str
    message: str
    details: list[str] = []
