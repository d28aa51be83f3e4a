"""Response models of the API operations, one module per API module."""
