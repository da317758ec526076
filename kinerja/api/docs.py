from functools import wraps

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required

from kinerja.core.http_errors import status_error_response

from .auth import bearer


def docs_view(view):
    """The OpenAPI description and its docs page: for a valid Bearer token (a script reads
    the contract it calls) or a signed-in session (a browser is sent to the log-in page).
    A Bearer header that is not a valid token is 401, as on every route. Swagger UI sets
    inline styles, so its page alone allows them."""
    view = csp_update({"style-src": [SELF, UNSAFE_INLINE]})(view)
    for_browsers = login_required(view)

    @wraps(view)
    def answer(request, *args, **kwargs):
        if "Authorization" not in request.headers:
            return for_browsers(request, *args, **kwargs)
        if bearer(request) is None:
            return status_error_response(401)
        return view(request, *args, **kwargs)

    return answer
