"""clientportal: a static client-portal site generator."""

__version__ = "0.1.0"
