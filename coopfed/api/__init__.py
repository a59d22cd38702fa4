"""The JSON API under ``/api/v1``: bearer tokens, one error shape, an OpenAPI document built
from the same operation list that builds the routes."""
