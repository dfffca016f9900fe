"""Optional integrations with content management systems, each installed as an extra."""
