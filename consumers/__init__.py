"""One FastStream router per flow; each subscriber is message in → one handler call."""
