"""The round fixtures live in kinerja/conftest.py, shared with the authorization tests."""

from kinerja.conftest import fresh

__all__ = ["fresh"]

import pytest

from kinerja.collection import services


@pytest.fixture
def track(org, entry_round):
    """Bidang X's track, entering data (step 5)."""
    return entry_round.tracks.get(unit=org.division_x)


@pytest.fixture
def track_ready_to_upload(track, org, catalogue):
    """Bidang X entering data with X2 filled: an upload needs every value of the format."""
    services.values_save(user=org.staff_x.user, track=track, entries=[
        services.ValueEntry(indicator_id=catalogue[1].id, value_text="3")])
    return track
