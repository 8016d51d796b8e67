"""A ComfyUI workflow film can fill in: the graph in ComfyUI's API format and its mapping.

The workflow is the file ComfyUI writes with "Export (API)": `{node id: {"class_type",
"inputs"}}`. The mapping names the node inputs that receive each part of a shot, as
`"<node id>.<input>"` (or a list of them), in a file beside the workflow named
`<workflow>.film.json`:

    {"prompt": "6.text", "negative_prompt": "7.text", "seed": "3.seed",
     "width": "5.width", "height": "5.height",                  # a still
     "image": "57.image", "frames": "55.length",                 # image-to-video
     "output": "9", "fps": 24, "frames_step": 4, "max_frames": 121, "size_multiple": 16}

Without that file the mapping is found from the usual nodes: the text encoders wired to a
sampler's positive and negative inputs, its seed, the empty latent's (or Wan latent's) size
and length, the LoadImage node. A wrong node or input name is a ConfigError naming it.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from film.errors import ConfigError

#: the parts of a shot a mapping may place
ROLES = ("prompt", "negative_prompt", "seed", "width", "height", "image", "frames")
#: the mapping's plain options and their defaults
OPTIONS: dict[str, Any] = {"output": None, "fps": 24.0, "frames_step": 4, "max_frames": 121,
                           "size_multiple": 16}
_SAMPLERS = ("KSampler", "KSamplerAdvanced", "SamplerCustom")
_SEEDS = ("seed", "noise_seed")
_SIZE_NODES = ("EmptyLatentImage", "EmptySD3LatentImage", "Wan22ImageToVideoLatent",
               "WanImageToVideo", "EmptyHunyuanLatentVideo", "EmptyLTXVLatentVideo")

Target = tuple[str, str]


@dataclass(frozen=True)
class Workflow:
    """A loaded workflow: its graph, where each role goes, the options, its digest."""

    path: Path
    graph: dict[str, Any]
    targets: dict[str, tuple[Target, ...]]
    options: dict[str, Any] = field(default_factory=dict)
    digest: str = ""

    def option(self, name: str) -> Any:
        return self.options.get(name, OPTIONS[name])

    def filled(self, values: dict[str, Any]) -> dict[str, Any]:
        """A copy of the graph with `values` (role → value) at their targets; a role the
        mapping does not place, or a None value, leaves the workflow's own value."""
        graph = copy.deepcopy(self.graph)
        for role, value in values.items():
            if value is None:
                continue
            for node, name in self.targets.get(role, ()):
                graph[node]["inputs"][name] = value
        return graph

    def size(self, width: int, height: int) -> tuple[int, int]:
        """width x height rounded down to the workflow's size multiple."""
        m = int(self.option("size_multiple")) or 1
        return max(m, width // m * m), max(m, height // m * m)

    def frames(self, seconds: float) -> int:
        """The frame count for a clip of `seconds`: a multiple of frames_step plus one (as
        Wan takes it), at most max_frames."""
        step = max(1, int(self.option("frames_step")))
        top = max(1, (int(self.option("max_frames")) - 1) // step)
        n = min(top, max(1, round(seconds * float(self.option("fps")) / step)))
        return n * step + 1


def load_workflow(path: Path, kind: str) -> Workflow:
    """Read a workflow in API format and its mapping (from `<name>.film.json`, else found)."""
    graph = _read_json(path, "workflow")
    if not isinstance(graph, dict) or ("nodes" in graph and "links" in graph):
        raise ConfigError(f"{path} is not a workflow in ComfyUI's API format",
                          hint="In ComfyUI use Workflow → Export (API), not Save.")
    if not graph or not all(isinstance(n, dict) and "class_type" in n and
                            isinstance(n.get("inputs"), dict) for n in graph.values()):
        raise ConfigError(f"{path}: every node of an API-format workflow needs class_type "
                          "and inputs", hint="Export it again with Workflow → Export (API).")
    sidecar = mapping_path(path)
    raw = _read_json(sidecar, "mapping") if sidecar.is_file() else find_mapping(graph)
    if not isinstance(raw, dict):
        raise ConfigError(f"{sidecar} must be a JSON object (role → \"node.input\")")
    targets, options = _parse_mapping(raw, graph, sidecar)
    required = ("prompt", "image") if kind == "video" else ("prompt",)
    missing = [role for role in required if not targets.get(role)]
    if missing:
        raise ConfigError(f"{path}: film cannot tell which node takes the {missing[0]}",
                          hint=f"Name it in {sidecar.name}, e.g. "
                          f'{{"{missing[0]}": "<node id>.<input>"}}.')
    digest = hashlib.sha256(json.dumps([graph, raw], sort_keys=True).encode()).hexdigest()
    return Workflow(path, graph, targets, options, digest[:16])


def mapping_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.film.json")


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the ComfyUI {what} {path}: {exc.strerror or exc}",
                          hint="Check COMFYUI_IMAGE_WORKFLOW / COMFYUI_VIDEO_WORKFLOW, or the "
                          "path after comfyui:.") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"the ComfyUI {what} {path} is not valid JSON: {exc}") from exc


def _parse_mapping(raw: dict[str, Any], graph: dict[str, Any],
                   where: Path) -> tuple[dict[str, tuple[Target, ...]], dict[str, Any]]:
    targets: dict[str, tuple[Target, ...]] = {}
    options: dict[str, Any] = {}
    for key, value in raw.items():
        if key in OPTIONS:
            options[key] = _option(key, value, graph, where)
        elif key in ROLES:
            items = value if isinstance(value, list) else [value]
            targets[key] = tuple(_target(key, item, graph, where) for item in items)
        else:
            raise ConfigError(f"{where}: unknown key {key!r}",
                              hint=f"Known: {', '.join((*ROLES, *OPTIONS))}.")
    return targets, options


def _target(role: str, text: Any, graph: dict[str, Any], where: Path) -> Target:
    node, _, name = str(text).rpartition(".")
    if not node or not name:
        raise ConfigError(f"{where}: {role} = {text!r} is not \"<node id>.<input>\"")
    if node not in graph:
        raise ConfigError(f"{where}: {role} names node {node!r}, which the workflow lacks")
    if name not in graph[node]["inputs"]:
        known = ", ".join(graph[node]["inputs"])
        raise ConfigError(f"{where}: node {node} ({graph[node]['class_type']}) has no input "
                          f"{name!r}", hint=f"Its inputs: {known}.")
    return node, name


def _option(key: str, value: Any, graph: dict[str, Any], where: Path) -> Any:
    if key == "output":
        if str(value) not in graph:
            raise ConfigError(f"{where}: output names node {value!r}, which the workflow lacks")
        return str(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{where}: {key} must be a positive number, not {value!r}")
    return value


def find_mapping(graph: dict[str, Any]) -> dict[str, Any]:
    """The mapping read from the usual nodes (see the module docstring)."""
    found: dict[str, Any] = {}
    for node_id, node in graph.items():
        inputs = node["inputs"]
        if node["class_type"] in _SAMPLERS:
            seed = next((s for s in _SEEDS if s in inputs), None)
            if seed and not isinstance(inputs[seed], list):
                found.setdefault("seed", f"{node_id}.{seed}")
            for role, wire in (("prompt", "positive"), ("negative_prompt", "negative")):
                text = _text_node(graph, inputs.get(wire))
                if text:
                    found.setdefault(role, f"{text}.text")
        elif node["class_type"] in _SIZE_NODES:
            for role, name in (("width", "width"), ("height", "height"), ("frames", "length")):
                if name in inputs and not isinstance(inputs[name], list):
                    found.setdefault(role, f"{node_id}.{name}")
        elif node["class_type"] == "LoadImage" and "image" in inputs:
            found.setdefault("image", f"{node_id}.image")
    return found


def _text_node(graph: dict[str, Any], wire: Any) -> str | None:
    """The CLIPTextEncode node a sampler input is wired to (directly), if any."""
    if not (isinstance(wire, list) and wire and str(wire[0]) in graph):
        return None
    node = graph[str(wire[0])]
    ok = node["class_type"].startswith("CLIPTextEncode") and isinstance(
        node["inputs"].get("text"), str)
    return str(wire[0]) if ok else None
