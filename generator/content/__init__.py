"""What the agency wrote: read from the content folder, validated into the domain model."""
