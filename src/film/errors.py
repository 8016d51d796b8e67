"""The exceptions film raises. Only the CLI turns them into messages and exit codes.

    FilmError
    ├── ConfigError        missing key, unknown provider or model, bad setting
    ├── InputError         unreadable or invalid shots file, bad option values
    ├── ProviderError      status, body, provider
    │   ├── RateLimited    429 after every retry
    │   ├── Unavailable    5xx / transport failures after every retry
    │   └── ContentRefused the provider's safety filter refused the prompt (not retried)
    ├── BudgetExceeded     the next call would pass the spending cap
    ├── ProjectLocked      another run holds the project's lock
    └── MediaError         ffmpeg failed: argv and the last lines of its stderr
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: things shaped like API keys (OpenAI "sk-...", Replicate "r8_..."), hidden even when unknown
_KEY_SHAPES = re.compile(r"\b(?:sk-[A-Za-z0-9_\-]{3,}|r8_[A-Za-z0-9]{8,})")


def redact(text: str, *secrets: str | None) -> str:
    """`text` with each secret, and anything shaped like an API key, replaced by `***`.

    The one place keys are kept out of messages, logs and manifests."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _KEY_SHAPES.sub("***", text)


class FilmError(Exception):
    """Base of every error film reports to a user. `hint` says what to do next."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    def redacted(self, *secrets: str | None) -> FilmError:
        """This error with the secrets taken out of its message, hint and body (in place)."""
        for attr in ("message", "hint", "body", "stderr_tail"):
            value = getattr(self, attr, None)
            if isinstance(value, str):
                setattr(self, attr, redact(value, *secrets))
        self.args = (self.message,)
        return self


class ConfigError(FilmError):
    """A missing key, an unknown provider or model, a bad setting."""

    exit_code = 3


class InputError(FilmError):
    """Unreadable or invalid input: a shots file, a description, an option value."""

    exit_code = 2


class ProviderError(FilmError):
    """A remote provider answered with an error (after retries where retrying made sense)."""

    exit_code = 4

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status: int | None = None,
        body: str | None = None,
        hint: str | None = None,
        request_id: str | None = None,
        cost_usd: float = 0.0,
    ) -> None:
        super().__init__(message, hint=hint)
        self.cost_usd = cost_usd  # what the failed attempt still cost, if known
        self.provider = provider
        self.status = status
        self.body = (body or "")[:2000]
        self.request_id = request_id


class RateLimited(ProviderError):
    """429 Too Many Requests, still after every retry."""


class Unavailable(ProviderError):
    """5xx answers, timeouts or connection failures, still after every retry."""


class ContentRefused(ProviderError):
    """The provider's moderation refused the prompt or the output. Retrying will not help."""


class BudgetExceeded(FilmError):
    """The next paid call would take the run past its `--max-cost` cap."""

    exit_code = 5

    def __init__(self, message: str, *, spent: float, estimate: float, cap: float) -> None:
        super().__init__(
            message,
            hint="Raise --max-cost, or re-run later: everything made so far is kept.",
        )
        self.spent = spent
        self.estimate = estimate
        self.cap = cap


class ProjectLocked(FilmError):
    """Another film process is working on the same project folder."""

    exit_code = 6


class WaitingForChoice(FilmError):
    """A workflow's `choose` step: the run stops until a take is chosen (`film choose`)."""

    exit_code = 8


class MediaError(FilmError):
    """ffmpeg (or another media step) failed; carries the argv and its stderr's last lines."""

    exit_code = 7

    def __init__(
        self, message: str, *, argv: Sequence[str] = (), stderr: str = "", hint: str | None = None
    ) -> None:
        tail = "\n".join(stderr.strip().splitlines()[-12:])
        full = message
        if tail:
            full = f"{message}\n--- ffmpeg stderr (last lines) ---\n{tail}"
        super().__init__(full, hint=hint)
        self.argv = list(argv)
        self.stderr_tail = tail
