"""The loopback refusal shared by the in-process guard and every Python child of a test."""
