"""Scoring deblurring methods on recorded files with the protocol of PROTOCOL.md."""
