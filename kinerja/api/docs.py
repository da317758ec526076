from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required


def docs_view(view):
    """The OpenAPI description and its docs page: for signed-in users only. Swagger UI sets
    inline styles, so its page alone allows them."""
    return login_required(csp_update({"style-src": [SELF, UNSAFE_INLINE]})(view))
