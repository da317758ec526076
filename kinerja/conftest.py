"""Personas shared by every app's tests (after healthchecks' alice/bob/charlie).

Agency A: head, secretary, a planning subsection in the Sekretariat, Bidang X with the data
subdivision, Bidang Y; Agency B: its head (the outsider).
"""

from dataclasses import dataclass

import pytest

from kinerja.organisation.models import Person, Unit
from kinerja.organisation.tests.factories import (
    AgencyFactory,
    PersonFactory,
    UnitFactory,
    hold,
    tag,
)


@dataclass
class Org:
    agency: object
    root: Unit
    secretariat: Unit
    planning: Unit
    division_x: Unit
    data_subdivision: Unit
    division_y: Unit
    other_agency: object
    other_root: Unit
    head: Person
    secretary: Person
    kasubbag_planning: Person
    kabid_x: Person
    kasubbid_data: Person
    staff_data: Person
    staff_x: Person
    kabid_y: Person
    staff_y: Person
    staff_secretariat: Person
    outsider: Person


def build_org() -> Org:
    agency = AgencyFactory(code="agency-a", short_name="Badan A")
    root = UnitFactory(agency=agency, kind="agency", code="root", name="Badan A")
    secretariat = UnitFactory(agency=agency, kind="secretariat", parent=root, code="sek",
                              name="Sekretariat")
    planning = UnitFactory(agency=agency, kind="subsection", parent=secretariat, code="renc",
                           name="Subbagian Perencanaan")
    planning.functions.add(tag("planning"))
    division_x = UnitFactory(agency=agency, kind="division", parent=root, code="bidang-x",
                             name="Bidang X")
    data_subdivision = UnitFactory(agency=agency, kind="subdivision", parent=division_x,
                                   code="data", name="Subbidang Data")
    data_subdivision.functions.add(tag("data"))
    division_y = UnitFactory(agency=agency, kind="division", parent=root, code="bidang-y",
                             name="Bidang Y")
    other_agency = AgencyFactory(code="agency-b", short_name="Badan B")
    other_root = UnitFactory(agency=other_agency, kind="agency", code="root", name="Badan B")

    def person(username, unit, kind):
        found = PersonFactory(agency=unit.agency, user__username=username, name=username)
        hold(found, unit, kind)
        return found

    return Org(
        agency=agency, root=root, secretariat=secretariat, planning=planning,
        division_x=division_x, data_subdivision=data_subdivision, division_y=division_y,
        other_agency=other_agency, other_root=other_root,
        head=person("head", root, "head"),
        secretary=person("secretary", secretariat, "secretary"),
        kasubbag_planning=person("kasubbag", planning, "subsection_head"),
        kabid_x=person("kabid_x", division_x, "division_head"),
        kasubbid_data=person("kasubbid_data", data_subdivision, "subdivision_head"),
        staff_data=person("staff_data", data_subdivision, "staff"),
        staff_x=person("staff_x", division_x, "staff"),
        kabid_y=person("kabid_y", division_y, "division_head"),
        staff_y=person("staff_y", division_y, "staff"),
        staff_secretariat=person("staff_sek", planning, "staff"),
        outsider=person("outsider", other_root, "head"),
    )


@pytest.fixture
def org(db) -> Org:
    return build_org()


@pytest.fixture
def seed_sop_text() -> str:
    from kinerja.demo.services import SEED_SOP

    return SEED_SOP.read_text(encoding="utf-8")
