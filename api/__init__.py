"""policykg: api."""
