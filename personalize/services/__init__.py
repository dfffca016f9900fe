"""Service functions: the operations behind views, tasks and management commands."""
