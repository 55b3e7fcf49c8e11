"""policykg: kg."""
