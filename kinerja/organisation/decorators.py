from functools import wraps

from django.contrib.auth.decorators import login_required
from django.template.response import TemplateResponse


def person_required(view):
    """Signed in and linked to a person of an agency; otherwise a 403 page that says why."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.viewer.has_person:
            return TemplateResponse(request, "core/no_person.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
