"""`film review`: what the review page shows, collected from the manifest and the status.

`collect_review` gathers a project's film, scenes, shots, takes and references as plain
dataclasses (every path relative to the project, every command ready to paste);
`render_review` fills the page's template (film/templates/review.html.j2, Jinja2 with
autoescape) and `write_review` writes `DIR/review.html` and the contact sheet
`DIR/contact.png` (film.build.contact), each atomically.

The page needs no server and no network: media are linked by relative path (the page sits in
the project folder) or, with `embed`, inlined as data URIs so the one file can be shipped.
"""

from __future__ import annotations

import base64
import io
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from film.build.status import STATES, project_status
from film.config import Settings
from film.errors import InputError
from film.fsutil import atomic_write_text, shell_path
from film.project import Manifest, Project, TakeSet
from film.schema import Shot, ShotList
from film.stages.table import SHOT_STAGES, Stage, stage

#: a still inlined by --embed is re-encoded as a JPEG at most this wide
EMBED_IMAGE_WIDTH = 960
#: a clip, voice or film larger than this is not inlined by --embed (the page says where it is)
EMBED_MAX_BYTES = 8_000_000
#: the width of a take on the page, per aspect ratio (CSS pixels)
TAKE_WIDTH = {"16:9": 264, "1:1": 220, "9:16": 196}
#: the film's width at the top of the page, per aspect ratio (CSS pixels)
FILM_WIDTH = {"16:9": 720, "1:1": 520, "9:16": 340}

_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
         ".webp": "image/webp", ".mp4": "video/mp4", ".wav": "audio/wav", ".mp3": "audio/mpeg"}
#: the states a person should look at, worst first (for a shot's overall state)
_ATTENTION = ("failed", "missing", "stale", "retry", "pending", "running", "fallback", "manual")


@dataclass(frozen=True)
class Media:
    """A file the page shows: its path in the project and where the browser finds it."""

    path: str
    #: a relative URL or a data URI; None when the file is not there (or too large to embed)
    src: str | None
    #: why there is no src ("not made yet", "12.3 MB: too large to embed")
    note: str = ""


@dataclass
class TakeView:
    """One take of a still, clip, sheet or plate."""

    number: int | None
    stage: str
    media: Media
    chosen: bool
    set_aside: bool
    #: ready, generating, failed or gone
    state: str
    provider: str
    model: str | None
    cost_usd: float
    #: a file a person put there (no seed variant)
    by_hand: bool = False
    #: who chose it: "default" or "user" (only for the chosen take)
    chosen_by: str | None = None
    #: the exact `film choose` command that picks it (None: it cannot be chosen)
    command: str | None = None


@dataclass
class ShotView:
    """One shot: what it is, its takes, its clip and voice, and its states."""

    shot_id: str
    number: int
    shot_type: str
    duration: float
    prompt: str
    line: str | None
    #: who says the line ("narrator" for narration)
    speaker: str | None
    line_kind: str | None
    characters: list[str]
    location: str
    camera_movement: str | None
    states: dict[str, str]
    #: the worst state of its artifacts ("done" when all is current)
    state: str
    stills: list[TakeView]
    clips: list[TakeView]
    audio: Media | None
    cost_usd: float
    regen: str


@dataclass
class SceneView:
    """A scene of the story (or a group of shots sharing a scene_id, or all the shots)."""

    scene_id: str | None
    heading: str
    beat: str
    shots: list[ShotView]


@dataclass
class ReferenceView:
    """A character's sheet or a location's plate, with its takes."""

    kind: str
    key: str
    name: str
    state: str
    shots: list[str]
    takes: list[TakeView]


@dataclass
class ReviewPage:
    """Everything the review page shows."""

    title: str
    description: str
    project: str
    #: the project folder as one shell word (for the commands the page prints)
    project_arg: str
    #: the language of the lines (for the page's lang and the contact sheet's fonts)
    language: str | None
    aspect_ratio: str
    take_width: int
    film_width: int
    film: Media
    subtitles: Media | None
    final_state: str
    total_cost_usd: float
    duration: float
    shot_count: int
    #: per stage, how many shots are in each state ({"images": {"done": 3}})
    summary: dict[str, dict[str, int]]
    scenes: list[SceneView]
    references: list[ReferenceView]
    states: dict[str, str]
    embed: bool
    generated: str
    choose_example: str
    notes: list[str] = field(default_factory=list)


# ---- collecting ------------------------------------------------------------------------------


def collect_review(project: Project, settings: Settings, *, embed: bool = False) -> ReviewPage:
    """The review page's content for `project` (InputError when it has no shot list)."""
    from film.build.engine import Engine
    from film.build.runner import build_options, project_shots

    if not project.root.is_dir():
        raise InputError(f"no project folder at {project.root}",
                         hint="Make one with `film run -d TEXT -p DIR`.")
    shot_list = project_shots(project)
    options = build_options(settings, project, check_music=False)
    report = project_status(project, shot_list, settings, options)
    engine = Engine(project, shot_list, options, settings)
    manifest = engine.manifest
    media = _MediaFinder(project, embed)
    rows = {row["shot_id"]: row for row in report["shots"]}
    dir_word = shell_path(project.root)
    shots = [_shot_view(project, manifest, media, dir_word, shot, rows[shot.shot_id])
             for shot in shot_list.shots]
    scenes, notes = _scenes(project, shot_list, shots)
    final = stage("compose").path(project.root)
    srt = project.root / "subtitles.srt"
    return ReviewPage(
        title=_title(project, shot_list), description=shot_list.description,
        project=str(project.root), project_arg=dir_word, language=shot_list.language,
        aspect_ratio=shot_list.aspect_ratio,
        take_width=TAKE_WIDTH.get(shot_list.aspect_ratio, 264),
        film_width=FILM_WIDTH.get(shot_list.aspect_ratio, 720),
        film=media.find(project.rel(final)),
        subtitles=Media(project.rel(srt), _url(project.rel(srt))) if srt.is_file() and not embed
        else None,
        final_state=report["final"], total_cost_usd=float(report["total_cost_usd"]),
        duration=shot_list.total_duration, shot_count=len(shot_list.shots),
        summary=_summary(report["shots"]), scenes=scenes,
        references=_references(engine, manifest, media, dir_word, report["references"]),
        states=STATES, embed=embed, generated=time.strftime("%Y-%m-%d %H:%M"),
        choose_example=f"film choose -p {dir_word} --shot ID --take K", notes=notes)


def _title(project: Project, shot_list: ShotList) -> str:
    """The film's title: the shot list's, else the story's, else the folder's name."""
    if shot_list.title and shot_list.title != "Untitled":
        return shot_list.title
    bible = _bible(project)
    return bible.plot.title if bible is not None else project.root.resolve().name


def _shot_view(project: Project, manifest: Manifest, media: _MediaFinder, dir_word: str,
               shot: Shot, row: dict[str, Any]) -> ShotView:
    states = {name: row[name] for name in SHOT_STAGES}
    stills = _takes(project, manifest, media, stage("images"), shot.shot_id,
                    _choose(dir_word, "--shot", shot.shot_id))
    clips = _takes(project, manifest, media, stage("video"), shot.shot_id,
                   _choose(dir_word, "--shot", shot.shot_id, "video"))
    audio_path = stage("speech").path(project.root, shot.shot_id)
    audio = media.find(project.rel(audio_path)) if shot.spoken_text else None
    speech = manifest.artifacts.get(project.rel(audio_path))
    cost = sum(t.cost_usd for t in stills + clips) + (speech.cost_usd if speech else 0.0)
    kind = "dialogue" if shot.dialogue else "narration" if shot.narration else None
    return ShotView(
        shot_id=shot.shot_id, number=shot.shot_number, shot_type=shot.shot_type,
        duration=shot.duration, prompt=shot.enhanced_prompt, line=shot.spoken_text,
        speaker=shot.voice_role if kind else None, line_kind=kind,
        characters=list(shot.characters), location=shot.location or shot.place,
        camera_movement=shot.camera_movement, states=states, state=_worst(states.values()),
        stills=stills, clips=clips, audio=audio, cost_usd=round(cost, 6),
        regen=f"film regen -p {dir_word} --shot {shell_path(shot.shot_id)}")


def _choose(dir_word: str, option: str, name: str, stage_name: str | None = None) -> str:
    """`film choose -p DIR --shot ID --take {n}` (format `n` in), shell-quoted."""
    tail = f" --stage {stage_name}" if stage_name else ""
    return f"film choose -p {dir_word} {option} {shell_path(name)} --take {{n}}{tail}"


def _takes(project: Project, manifest: Manifest, media: _MediaFinder, st: Stage, key: str,
           command: str) -> list[TakeView]:
    """The takes of one artifact in number order; the stage's own file alone when it has
    none recorded (a project made before takes, a file not adopted yet)."""
    found = manifest.takes.get(f"{st.name}/{key}") or TakeSet()
    views = []
    for number in sorted(found.takes):
        take = found.takes[number]
        rel = project.rel(st.take_path(project.root, key, number))
        entry = manifest.artifacts.get(rel)
        chosen = number == found.chosen
        state = _take_state(entry.status if entry else None, (project.root / rel).is_file())
        views.append(TakeView(
            number=number, stage=st.name, media=media.find(rel), chosen=chosen,
            set_aside=take.discarded and not chosen, state=state,
            provider=entry.provider if entry else "manual", model=entry.model if entry else None,
            cost_usd=entry.cost_usd if entry else 0.0, by_hand=take.variant is None,
            chosen_by=found.by if chosen else None,
            command=command.format(n=number) if state == "ready" else None))
    out = st.path(project.root, key)
    if not views and out.is_file():
        entry = manifest.artifacts.get(project.rel(out))
        views.append(TakeView(
            number=None, stage=st.name, media=media.find(project.rel(out)), chosen=True,
            set_aside=False, state="ready", provider=entry.provider if entry else "manual",
            model=entry.model if entry else None, cost_usd=entry.cost_usd if entry else 0.0,
            by_hand=entry is None))
    return views


def _take_state(status: str | None, present: bool) -> str:
    if status == "submitted":
        return "generating"
    if status == "failed":
        return "failed"
    return "ready" if present else "gone"


def _worst(states: Any) -> str:
    present = set(states)
    return next((s for s in _ATTENTION if s in present), "done")


def _summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for name in SHOT_STAGES:
        counts: dict[str, int] = {}
        for row in rows:
            if row[name] != "-":
                counts[row[name]] = counts.get(row[name], 0) + 1
        out[name] = counts
    return out


def _references(engine: Any, manifest: Manifest, media: _MediaFinder, dir_word: str,
                rows: list[dict[str, Any]]) -> list[ReferenceView]:
    """Each character's sheet and each location's plate, with their takes."""
    from film.stages.references import characters_of, locations_of

    names = {("character", r.key): r.name for r in characters_of(engine)} if rows else {}
    names.update({("location", r.key): r.name for r in locations_of(engine)} if rows else {})
    views = []
    for row in rows:
        kind, key = row["kind"], row["key"]
        st = stage("sheets" if kind == "character" else "plates")
        name = names.get((kind, key), key)
        command = _choose(dir_word, f"--{kind}", key)
        views.append(ReferenceView(
            kind=kind, key=key, name=name, state=row["state"], shots=list(row["shots"]),
            takes=_takes(engine.project, manifest, media, st, key, command)))
    return views


# ---- scenes ----------------------------------------------------------------------------------


def _bible(project: Project) -> Any:
    """The story's bible, or None (none, or unreadable: the page does without it)."""
    from film.stages.story import read_level
    from film.story.models import Bible

    path = stage("bible").path(project.root)
    if not path.is_file():
        return None
    try:
        return read_level(path, Bible, "story bible")
    except InputError:
        return None


def _scenes(project: Project, shot_list: ShotList,
            shots: list[ShotView]) -> tuple[list[SceneView], list[str]]:
    """The shots grouped into the outline's scenes, else by scene_id, else one group; and
    notes for the page (an outline that could not be read)."""
    from film.stages.story import read_level
    from film.story.models import Outline

    by_id = {s.shot_id: s for s in shots}
    groups: dict[str | None, list[ShotView]] = {}
    for shot in shot_list.shots:
        groups.setdefault(shot.scene_id, []).append(by_id[shot.shot_id])
    notes: list[str] = []
    outline_path = stage("outline").path(project.root)
    outline = None
    if outline_path.is_file():
        try:
            outline = read_level(outline_path, Outline, "outline")
        except InputError as exc:
            notes.append(f"story/outline.json was not read: {exc.message.splitlines()[0]}")
    if outline is not None:
        bible = _bible(project)
        scenes = [SceneView(scene.scene_id, _heading(scene, bible), scene.beat,
                            groups.pop(scene.scene_id, [])) for scene in outline.scenes]
        scenes = [s for s in scenes if s.shots]
        if groups:
            scenes.append(SceneView(None, "Shots in no scene of the outline", "",
                                    [s for group in groups.values() for s in group]))
        return scenes, notes
    if list(groups) == [None]:
        return [SceneView(None, "Shots", "", groups[None])], notes
    return [SceneView(key, f"Scene {key}" if key else "Shots in no scene", "", group)
            for key, group in groups.items()], notes


def _heading(scene: Any, bible: Any) -> str:
    """A screenplay-style heading: "Scene s01 · INT. JUNGLE CAMP - NIGHT"."""
    place = bible.location(scene.location) if bible is not None else None
    name = place.name if place is not None else scene.location
    side = "INT." if place is None or place.interior else "EXT."
    return f"Scene {scene.scene_id} · {side} {name.upper()} - {scene.time}"


# ---- media -----------------------------------------------------------------------------------


def _url(rel: str) -> str:
    """A project-relative path as a relative URL (each segment percent-encoded)."""
    return quote(rel, safe="/")


class _MediaFinder:
    """Media by relative URL, or (embed) as data URIs, each file read once."""

    def __init__(self, project: Project, embed: bool) -> None:
        self.project = project
        self.embed = embed
        self._seen: dict[str, Media] = {}

    def find(self, rel: str) -> Media:
        if rel not in self._seen:
            self._seen[rel] = self._make(rel)
        return self._seen[rel]

    def _make(self, rel: str) -> Media:
        path = self.project.root / rel
        if not path.is_file():
            return Media(rel, None, "not made yet")
        if not self.embed:
            return Media(rel, _url(rel))
        mime = _MIME.get(path.suffix.lower(), "application/octet-stream")
        if mime.startswith("image/"):
            return Media(rel, _image_uri(path))
        size = path.stat().st_size
        if size > EMBED_MAX_BYTES:
            return Media(rel, None, f"{size / 1e6:.1f} MB: too large to embed")
        return Media(rel, f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}")


def _image_uri(path: Path) -> str:
    """A still as a data URI: a JPEG at most EMBED_IMAGE_WIDTH wide."""
    from PIL import Image

    with Image.open(path) as image:
        picture = image.convert("RGB")
    if picture.width > EMBED_IMAGE_WIDTH:
        height = round(picture.height * EMBED_IMAGE_WIDTH / picture.width)
        picture = picture.resize((EMBED_IMAGE_WIDTH, max(1, height)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


# ---- writing ---------------------------------------------------------------------------------


def render_review(page: ReviewPage) -> str:
    """The page's HTML (Jinja2, every value escaped)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("film", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["usd"] = usd
    env.filters["phrases"] = phrases
    env.filters["seconds"] = lambda value: f"{value:.1f} s"
    return env.get_template("review.html.j2").render(page=page)


def phrases(command: str) -> list[str]:
    """A command cut before each option ("film choose", "-p DIR", "--take 2"): the page
    wraps a long command between them, never inside one."""
    return re.split(r" (?=--?[a-z])", command)


def usd(value: float) -> str:
    """Dollars, with the precision small media prices need: $0, $0.003, $1.25."""
    if not value:
        return "$0"
    if value >= 1:
        return f"${value:.2f}"
    return "$" + f"{value:.4f}".rstrip("0").rstrip(".")


def review_path(project: Project) -> Path:
    return project.root / "review.html"


def contact_path(project: Project) -> Path:
    return project.root / "contact.png"


def write_review(project: Project, settings: Settings, *, embed: bool = False,
                 contact_only: bool = False) -> tuple[Path, Path]:
    """Write `DIR/review.html` (unless `contact_only`) and `DIR/contact.png`, atomically;
    returns their paths. InputError when the project has no shot list."""
    page = collect_review(project, settings, embed=embed)
    html_path = review_path(project)
    if not contact_only:
        atomic_write_text(html_path, render_review(page), sync=False)
    write_page_contact(page, project.root, contact_path(project))
    return html_path, contact_path(project)


def write_page_contact(page: ReviewPage, root: Path, out: Path) -> Any:
    """The contact sheet of the page's shots (film.build.contact), in the page's order."""
    from film.build.contact import ContactShot, write_contact

    shots = []
    for shot in (s for scene in page.scenes for s in scene.shots):
        chosen = next((t for t in shot.stills if t.chosen), None)
        still = root / chosen.media.path if chosen is not None else None
        take = f"take {chosen.number}/{len(shot.stills)}" \
            if chosen is not None and chosen.number is not None else ""
        shots.append(ContactShot(shot.shot_id, still, take, shot.state, shot.states,
                                 shot.duration))
    subtitle = (f"{page.shot_count} shots · {page.duration:.1f} s · spent "
                f"{usd(page.total_cost_usd)} · final.mp4: {page.final_state} · {page.generated}")
    return write_contact(out, shots, title=page.title, subtitle=subtitle,
                         aspect=page.aspect_ratio, language=page.language)
