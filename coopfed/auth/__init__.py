"""Authentication of people: browser sessions and personal access tokens."""
