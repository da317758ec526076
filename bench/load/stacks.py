"""Where the workers' CPU time goes during a load run: py-spy's samples (`--format raw`, the
collapsed stacks run.sh records with PROFILE=1) summarised as shares of the samples.

py-spy drops the samples of a worker that waits for its next request; a worker waiting for
PostgreSQL's answer is sampled inside psycopg (its socket wait), so the shares are of the time
the workers spent on requests, the database's answers included. Sampling slows the workers:
the timings of a profiled run are not the benchmark's.

    python bench/load/stacks.py OUT/age60_u200.stacks
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^():]+)(?::(?P<line>\d+))?\)$")

# A sample counts in each area one of its frames is in (the areas overlap: a template that
# runs a query is in both).
AREAS = {
    "Django templates": ("django/template/",),
    "ORM (queries built, rows turned into objects)": ("django/db/models/",),
    "django-ninja and pydantic (API)": ("ninja/", "pydantic"),
    "sessions (read and saved on every request)": ("django/contrib/sessions/",),
    "who is asking: the viewer's roles and unit tree, built per request": (
        "Viewer.for_user (", "UnitTree.for_agency ("),
    "the documents panel of a round's pages": ("documents_panel (",),
    "translations (gettext)": ("django/utils/translation/",),
}
# Where the innermost frame of a sample is: what the worker was doing at that moment.
SELF = [
    ("waiting for PostgreSQL / database driver", ("psycopg",)),
    ("ORM and database backend", ("django/db/",)),
    ("Django templates", ("django/template/",)),
    ("django-ninja, pydantic", ("ninja/", "pydantic")),
    ("Kinerja's own code", ("kinerja/",)),
    ("gunicorn (reading, writing the HTTP)", ("gunicorn/",)),
    ("rest of Django", ("django/",)),
]


def is_kinerja(file: str) -> bool:
    return file.startswith("kinerja/") or "/kinerja/" in file


def frames(stack: str) -> list[tuple[str, str]]:
    found = []
    for part in stack.split(";")[1:]:  # the first is the process
        match = FRAME.match(part.strip())
        if match:
            found.append((match["function"], match["file"]))
    return found


def main() -> None:
    path = Path(sys.argv[1])
    total = 0
    areas: Counter[str] = Counter()
    doing: Counter[str] = Counter()
    own: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples = int(count)
        total += samples
        stack_frames = frames(stack)
        for area, needles in AREAS.items():
            if any(needle in f"{function} ({file})" for function, file in stack_frames
                   for needle in needles):
                areas[area] += samples
        leaf_file = stack_frames[-1][1] if stack_frames else ""
        doing[next((name for name, needles in SELF
                    if any(needle in leaf_file for needle in needles)), "other")] += samples
        # The middleware wraps every request: it would head the list without saying anything.
        kinerja = {f"{function} ({file})" for function, file in stack_frames
                   if is_kinerja(file) and "Middleware.__call__" not in function
                   and not file.endswith("wsgi.py")}
        for name in kinerja:
            own[name] += samples
        if stack_frames:
            function, file = stack_frames[-1]
            leaves[f"{function} ({file.rsplit('site-packages/', 1)[-1]})"] += samples
    if not total:
        print(f"No samples in {path}.")
        return
    print(f"### CPU samples of the workers, {path.stem}: {total}\n")
    print("| what the worker was doing (innermost frame) | share |\n|---|---:|")
    for name, samples in doing.most_common():
        print(f"| {name} | {samples / total:.0%} |")
    print("\n| area (inclusive, overlapping) | share |\n|---|---:|")
    for area, samples in areas.most_common():
        print(f"| {area} | {samples / total:.0%} |")
    print("\n| Kinerja function (inclusive) | share |\n|---|---:|")
    for name, samples in own.most_common(15):
        print(f"| `{name}` | {samples / total:.0%} |")
    print("\n| innermost frame (self) | share |\n|---|---:|")
    for name, samples in leaves.most_common(12):
        print(f"| `{name}` | {samples / total:.1%} |")
    print()


if __name__ == "__main__":
    main()
