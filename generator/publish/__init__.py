"""Delivery: built portals to where they are served (a local folder, an S3-compatible bucket), e-mail to clients."""
