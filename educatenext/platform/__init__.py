"""Infrastructure the resource packages share."""
