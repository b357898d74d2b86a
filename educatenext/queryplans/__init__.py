"""Query shapes the repositories issue, and their plans on the server (`flask db explain`)."""
