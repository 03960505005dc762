"""A local Exchange server (EWS, Autodiscover) for the demo, the tests and the benchmarks."""
