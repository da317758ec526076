"""What the documents panel shows of the documents still being issued by the task worker
(`selectors.documents_being_issued_for_viewer`): `{% documents_being_issued round track as
being_issued %}` in documents/partials/panel.html."""

from django import template

from kinerja.documents import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def documents_being_issued(context, round_, track=None):
    found = selectors.documents_being_issued_for_viewer(viewer=context["request"].viewer,
                                                        round_=round_)
    if track is not None:
        found = [item for item in found if item.execution.track_id == track.id]
    return found
