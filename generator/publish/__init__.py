"""Rendered files to published ones: protection, secrets, security headers, the output folder, hosts."""
