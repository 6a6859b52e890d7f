"""Landed submissions: a trust's history (every trust's, for the network team), one submission's
page with its findings, and its feedback report to download."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...owner_only import make_private, private_dir
from ..findings_view import finding_rows
from ..sessions import User
from ..site import SHOWN_FINDINGS, Site, attachment, site
from ..status import Submission, find_submission, processed_files, processed_findings, status_warehouse, submissions

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")


async def history(request: Request) -> Response:
    s = site(request)
    user = s.user(request)
    trust = None if user.is_network else user.trust
    subs = await run_in_threadpool(submissions, s.cfg.settings, trust)
    pending = [u for u in s.uploads.for_trust(trust) if u["state"] != "landed"]
    with status_warehouse(s.cfg.settings) as wh:
        available = wh is not None
    caption = "All trusts" if user.is_network else f"{s.trust_name(user.trust)} ({user.trust})"
    return s.render(
        request,
        "submissions.jinja",
        user=user,
        title="Submissions",
        nav="submissions",
        subs=subs,
        pending=pending,
        statuses_available=available,
        heading_caption=caption,
    )


def _submission_for(s: Site, user: User, submission_id: str) -> Submission:
    """The submission if this user may see it; 404 otherwise (another trust's looks absent)."""
    if not _SAFE_ID.fullmatch(submission_id):
        raise HTTPException(404)
    sub = find_submission(s.cfg.settings, submission_id)
    if sub is None or not user.may_see(sub.trust):
        raise HTTPException(404)
    return sub


def _preflight(s: Site, submission_id: str) -> dict[str, Any] | None:
    up = s.uploads.by_submission(submission_id)
    return up if up and s.uploads.result(up["id"]) is not None else None


async def submission(request: Request) -> Response:
    s = site(request)
    user = s.user(request)
    sid = request.path_params["sid"]
    sub = await run_in_threadpool(_submission_for, s, user, sid)
    files: list[dict[str, Any]] = []
    labels: dict[str, str] = {}
    findings, source = None, None
    if sub.in_warehouse:
        files = processed_files(s.cfg.settings, sid)
        findings, source = processed_findings(s.cfg.settings, sid), "warehouse"
    elif (up := _preflight(s, sid)) is not None:
        result = s.uploads.result(up["id"]) or {}
        files = [{"file": k, **v} for k, v in result.get("files", {}).items()]
        labels = result.get("source_labels", {})
        findings, source = s.uploads.findings(up["id"]), "preflight"
    rows = finding_rows(findings, SHOWN_FINDINGS) if findings is not None else []
    return s.render(
        request,
        "submission.jinja",
        user=user,
        title=f"Submission {sub.period}",
        nav="submissions",
        sub=sub,
        files=files,
        labels=labels,
        findings=rows,
        total=findings.num_rows if findings is not None else 0,
        source=source,
    )


async def submission_feedback(request: Request) -> Response:
    s = site(request)
    user = s.user(request)
    sid, kind = request.path_params["sid"], request.path_params["kind"]
    try:
        if kind not in ("html", "csv"):
            raise HTTPException(404)
        sub = await run_in_threadpool(_submission_for, s, user, sid)
    except HTTPException:
        s.audit(request, "download", "refused", user, target=sid[:128], detail="not found or not yours")
        raise
    path: Path | None
    if sub.in_warehouse:
        path = await run_in_threadpool(_warehouse_feedback, s, sub, kind)
    elif (up := _preflight(s, sid)) is not None:
        path = s.uploads.feedback_file(up["id"], kind)
    else:
        path = None
    if path is None:
        raise HTTPException(404)
    s.audit(request, "download", "success", user, target=sid, detail=f"feedback.{kind}")
    return attachment(path, f"feedback-{sid}.{kind}")


def _warehouse_feedback(s: Site, sub: Submission, kind: str) -> Path:
    from ...reporting.feedback import write_feedback

    record = {
        "submission_id": sub.submission_id,
        "trust_ods_code": sub.trust,
        "period": sub.period,
        "format": sub.format,
        "received_at": sub.received_at.isoformat(),
        "status": sub.status,
        "superseded": sub.superseded,
        "rows_in": sub.rows_in,
        "rows_loaded": sub.rows_loaded,
        "rows_quarantined": sub.rows_quarantined,
        "n_warnings": sub.n_warnings,
    }
    findings = processed_findings(s.cfg.settings, sub.submission_id).to_pandas()
    html, csv = write_feedback(record, findings, private_dir(s.cfg.feedback / sub.submission_id))
    make_private(html.parent)
    return html if kind == "html" else csv


routes = [
    Route("/submissions", history),
    Route("/submissions/{sid}", submission),
    Route("/submissions/{sid}/feedback.{kind}", submission_feedback),
]
