"""Story development: a log line becomes bibles, an outline, scenes by agents, a script."""
