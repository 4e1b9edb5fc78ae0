"""The hub's HTTP layer: the field-app gateway, support-system intake and operations pages."""

from hub.web.app import create_app

__all__ = ["create_app"]
