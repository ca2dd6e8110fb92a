"""The HTTP edge: `create_app(settings)` builds the FastAPI app; routers live in `routers/`."""

from service.api.app import create_app

__all__ = ["create_app"]
