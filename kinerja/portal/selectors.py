from kinerja.collection.selectors import task_list_for_viewer as collection_tasks
from kinerja.organisation.visibility import Viewer


def task_list_for_viewer(*, viewer: Viewer) -> list:
    """What waits for the person now, across rounds, oldest due first."""
    return collection_tasks(viewer=viewer)
