"""The API docs pages (``/schema`` and ``/schema/swagger``): Swagger UI served entirely from
the platform's own origin, so that they work under its Content-Security-Policy
(services/headers.py: ``script-src 'self'``, ``style-src 'self'``, nothing inline).

Litestar's own render plugins load their scripts and styles from a CDN (Scalar unpinned) and
start them with an inline ``<script>``: both blocked by that policy, so the pages were blank.
Here the page is plain markup: Swagger UI's pinned release vendored in
``frontend/static/vendor/swagger-ui/`` (refreshed by ``scripts/vendor-swagger-ui``), started by
our static ``frontend/static/docs.js``, which reads the document's URL from a ``data-`` attribute.
Scalar is not served: its bundle injects its styles at run time, which the policy forbids.
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar.connection import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

# Under the pages' static route (services/web), which serves frontend/static.
VENDOR = "/static/vendor/swagger-ui"


class SwaggerDocs(OpenAPIRenderPlugin):
    """Swagger UI at ``/schema`` (the default page) and ``/schema/swagger``, paths relative to
    the OpenAPI router. Renders the same static HTML for both; the OpenAPI document itself stays
    at ``/schema/openapi.json``, fetched by the page (same origin, ``connect-src 'self'``)."""

    def __init__(self) -> None:
        # No favicon or style tag of Litestar's: its default favicon is on a CDN and its style
        # is inline; ours come from files.
        super().__init__(path=["/", "/swagger"], favicon="", style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        """The page as UTF-8 HTML: no inline script or style, every URL on this origin."""
        title = escape(str(openapi_schema.get("info", {}).get("title", "API")))
        spec_url = escape(self.get_openapi_json_route(request))
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title}</title>\n"
            f'<link rel="stylesheet" href="{VENDOR}/swagger-ui.css">\n'
            '<link rel="stylesheet" href="/static/docs.css">\n'
            "</head>\n<body>\n"
            f'<div id="swagger-ui" data-spec-url="{spec_url}"></div>\n'
            f'<script src="{VENDOR}/swagger-ui-bundle.js"></script>\n'
            '<script src="/static/docs.js"></script>\n'
            "</body>\n</html>\n"
        ).encode()


__all__ = ["SwaggerDocs"]
