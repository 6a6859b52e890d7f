"""The network team's overview: for the last month whose deadline has passed, who is late."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...config import registry
from ..site import site
from ..status import network_overview


async def network(request: Request) -> Response:
    s = site(request)
    user = s.user(request)
    if not user.is_network:
        return s.message(
            request,
            403,
            "For the network team only",
            "This page shows every trust's submissions.",
            user=user,
            link={"href": "/submissions", "text": "Your submissions"},
        )
    period, due, rows = await run_in_threadpool(network_overview, s.cfg.settings)
    late = [r.ods for r in rows if r.state in ("late", "rejected only")]
    return s.render(
        request,
        "network.jinja",
        user=user,
        title="Network overview",
        nav="network",
        period=period,
        due=due,
        rows=rows,
        late=late,
        deadline_day=registry().submission_deadline_day,
    )


routes = [Route("/network", network)]
