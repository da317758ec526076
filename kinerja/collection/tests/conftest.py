"""The round fixtures live in kinerja/conftest.py, shared with the authorization tests."""

from kinerja.conftest import fresh

__all__ = ["fresh"]
