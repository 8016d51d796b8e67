"""Media: the ffmpeg binary and argv builders, the timeline, compose, subtitles, soundtrack."""
