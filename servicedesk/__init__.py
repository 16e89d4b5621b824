"""The embedded ITIL service desk: it implements the backend_client contract on SQL, and serves it as /api/v1."""
