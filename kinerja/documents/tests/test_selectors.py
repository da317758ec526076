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
