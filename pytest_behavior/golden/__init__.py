"""Golden behavior snapshots: the store (files on disk) and the diff (what changed, for humans)."""
