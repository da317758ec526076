"""The documents' getters (documents/selectors.py), shared by the pages and the API: another
agency's document is not found, one the person may not read at its unit's stage is refused."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from kinerja.documents import selectors, services
from kinerja.documents.models import DocumentKind
from kinerja.organisation.visibility import NO_AGENCY, Viewer

pytestmark = pytest.mark.django_db


def viewer(person) -> Viewer:
    return Viewer.for_user(person.user)


def test_a_document_is_got_by_who_may_read_it_only(org, finalised_round):
    def filed(person):
        return selectors.document_filed_for_viewer(
            viewer=viewer(person), round_=finalised_round, kind=DocumentKind.AGENCY_RECAP,
            track=None)

    assert filed(org.secretary) is None  # not filed yet: the page prints a DRAFT
    [recap] = services.documents_issue_for(finalised_round.executions.get(step__number=9).id)
    got = selectors.document_get_for_viewer(viewer=viewer(org.secretary),
                                            identifier=recap.identifier)
    assert got.pk == recap.pk == filed(org.secretary).pk
    with pytest.raises(Http404):
        selectors.document_get_for_viewer(viewer=viewer(org.outsider),
                                          identifier=recap.identifier)
    # Bidang Y sees only its own data, even when final: not the agency's recap.
    with pytest.raises(PermissionDenied):
        selectors.document_get_for_viewer(viewer=viewer(org.staff_y),
                                          identifier=recap.identifier)
    with pytest.raises(PermissionDenied):
        filed(org.staff_y)
    listed = selectors.documents_of_round_for_viewer(viewer=viewer(org.staff_y),
                                                     round_=finalised_round)
    assert recap.pk not in {document.pk for document in listed}


def test_someone_who_is_no_person_finds_no_document(org, opened_round, django_user_model):
    [disposition] = services.documents_issue_missing(opened_round)
    admin = django_user_model.objects.create_superuser("root-no-person", password="x")
    nobody = Viewer.for_user(admin)
    assert nobody.agency_id == NO_AGENCY and not nobody.roles
    with pytest.raises(Http404):
        selectors.document_get_for_viewer(viewer=nobody, identifier=disposition.identifier)
    assert selectors.documents_of_round_for_viewer(viewer=nobody, round_=opened_round) == []


def test_a_draft_follows_the_rule_of_the_copy_it_becomes(org, entry_round):
    """Every unit enters its data (draft): its filled format only for the unit, its copy of
    the format for the whole agency, round-wide drafts for the agency with only the units
    the person may see; another agency nothing."""
    track_y = entry_round.tracks.select_related("unit").get(unit=org.division_y)

    def may(person, track, kind):
        return selectors.may_view_track_draft(viewer=viewer(person), round_=entry_round,
                                              track=track, kind=kind)

    for person, expected in ((org.staff_y, True), (org.kabid_y, True), (org.head, False),
                             (org.secretary, False), (org.staff_data, False),
                             (org.kabid_x, False), (org.outsider, False)):
        assert may(person, track_y, DocumentKind.FILLED_FORMAT) is expected, person
    for person in (org.head, org.kabid_x, org.staff_data):
        assert may(person, track_y, DocumentKind.DATA_REQUEST_FORMAT) is True
        assert may(person, None, DocumentKind.AGENCY_RECAP) is True
    assert may(org.outsider, track_y, DocumentKind.DATA_REQUEST_FORMAT) is False
    assert may(org.outsider, None, DocumentKind.AGENCY_RECAP) is False

    def visible(person):
        return selectors.unit_ids_visible_to(viewer=viewer(person), round_=entry_round)

    assert visible(org.staff_y) == {org.division_y.id}
    assert visible(org.staff_data) == visible(org.kabid_x) == {org.division_x.id}
    assert visible(org.head) == visible(org.outsider) == set()  # drafts only


def test_the_hardcopy_permission_asks_the_read_rule_first(org, entry_round):
    """The unit's copy of the format is the agency's: the head files its paper; another
    Kabid reads it and files nothing; the head of another agency, who may not read it, may
    not file it."""
    documents = services.documents_issue_missing(entry_round)
    unit_copies = [document for document in documents
                   if document.kind == DocumentKind.DATA_REQUEST_FORMAT and document.track_id]
    assert unit_copies
    for document in unit_copies:
        assert selectors.may_view_document(viewer=viewer(org.head), document=document)
        assert services.may_file_hardcopy(viewer(org.head), document)
        assert selectors.may_view_document(viewer=viewer(org.kabid_y), document=document)
        assert not services.may_file_hardcopy(viewer(org.kabid_y), document)
        assert not selectors.may_view_document(viewer=viewer(org.outsider), document=document)
        assert not services.may_file_hardcopy(viewer(org.outsider), document)
