"""HTTP: the error envelope, headers, guards, the request log, pagination, shared schemas."""
