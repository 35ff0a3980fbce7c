"""Belief dynamics as iterated maps, and one engine for any symbolic map or flow."""
