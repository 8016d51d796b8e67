"""Keyless providers that need no network: storyboard panels, camera moves, eSpeak NG voices."""
