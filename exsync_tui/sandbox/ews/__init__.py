"""Exchange Web Services: SOAP parsing and rendering, and one module per operation group."""
