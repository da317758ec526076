from django.utils.functional import SimpleLazyObject

from .visibility import Viewer


class ViewerMiddleware:
    """`request.viewer`: the signed-in person as the visibility rule sees them, built on use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.viewer = SimpleLazyObject(lambda: Viewer.for_user(request.user))
        return self.get_response(request)
