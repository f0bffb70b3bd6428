"""What a browser is told about a portal's files: content types and security headers, one policy for page, host and bucket."""
