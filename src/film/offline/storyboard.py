"""The storyboard panel per shot, painted with Pillow (the offline image provider,
film.offline.providers, draws with it).

`render_storyboard_frame(request)` is pure (request in, image out, same request → same
pixels): the shot's location plate framed by its shot type (a small group in a big space for
a wide shot, a face filling the frame for a close-up, one object for an insert), its
characters drawn from their looks (the same person in every shot), its light and mood, and a
caption band naming the shot, its move, characters and setting. The work is done in
film.offline.framing (reading the shot) and film.offline.composite (building the frame).
"""

from __future__ import annotations

from PIL import Image

from film.offline.composite import drawn_person, render_shot
from film.offline.framing import cast, read_look
from film.providers.contract import ImageRequest

__all__ = ["cast", "read_look", "render_storyboard_frame"]


def render_storyboard_frame(request: ImageRequest) -> Image.Image:
    """Paint the storyboard panel for `request` (pure: same request, same pixels)."""
    return render_shot(request, people=drawn_person, captions=True)
