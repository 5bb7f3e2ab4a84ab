"""Downhill's site builder: read → markdown → demos → render → assets → write."""
