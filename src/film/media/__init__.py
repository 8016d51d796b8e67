"""Media helpers: the ffmpeg binary, argv builders, probing."""
