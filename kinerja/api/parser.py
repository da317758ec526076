"""The API's JSON reader: numbers as exact decimals.

Python's `json` reads 0.262 as a binary float; a value with more digits than a float holds
(123456789012.3456) would change on the way in. Here every JSON number with a fraction or an
exponent is a `Decimal` of the digits written, and an integer is an `int`, so a value is the
number the client wrote (kinerja/core/numbers.py, the README's "Numbers"). NaN and Infinity are
not JSON: a body holding them is refused (400) like any other body that is not JSON.
"""

import json
from decimal import Decimal

from ninja.parser import Parser


def _not_json(name: str):
    raise ValueError(f"{name} is not a JSON number")


class ExactNumbers(Parser):
    def parse_body(self, request):
        return json.loads(request.body, parse_float=Decimal, parse_constant=_not_json)
