"""`<id64:name>` in URL patterns: a database id, 1 to 2**63-1 (a signed 64-bit integer, what
SQLite and PostgreSQL store). Django's `<int:...>` takes any length of digits, and a number
beyond 64 bits makes the SQLite driver raise OverflowError (a 500) in a foreign-key lookup;
with this converter such a URL simply does not match (404).

Registered here, once, on import; `kinerja/urls.py` imports this module before it includes
the apps' URL configurations."""

from django.urls import register_converter

MAX_ID = 2**63 - 1


class Id64Converter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("beyond a 64-bit id")  # the pattern does not match: 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(Id64Converter, "id64")
