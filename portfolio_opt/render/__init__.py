"""Layer 5, rendering: results as JSON for pipelines, as lines for people, and as the
leadership page."""
