"""A trust's own governance page, written nightly by the pipeline to
``$SPASTICITY_HOME/reports/trusts/<ODS>.html``: served to that trust's signed-in users and the
network team (another trust's is a 404, as if it did not exist, like submissions)."""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ..site import site

#: ODS organisation codes are 3 to 5 letters and digits; anything else (dots, slashes) is refused
_ODS = re.compile(r"^[A-Z0-9]{3,5}$")
#: the page is self-contained (inline styles, SVG, data: images): nothing else may load or run
GOVERNANCE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"
)


async def governance(request: Request) -> Response:
    s = site(request)
    user = s.user(request)
    ods = request.path_params["ods"]
    if not _ODS.fullmatch(ods) or not user.may_see(ods):
        raise HTTPException(404)
    page = s.cfg.settings.reports / "trusts" / f"{ods}.html"
    if not page.is_file():
        return s.message(
            request,
            404,
            "Governance page not published yet",
            "The pipeline writes each trust's governance page every night. Try again tomorrow.",
            user=user,
            link={"href": "/submissions", "text": "Your submissions"},
        )
    return FileResponse(
        page, media_type="text/html; charset=utf-8", headers={"content-security-policy": GOVERNANCE_CSP}
    )


routes = [Route("/governance/{ods}", governance)]
