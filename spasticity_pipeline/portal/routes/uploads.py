"""Uploading a month's extract, following its pre-flight check, confirming it into the landing
zone, and downloading the check's feedback report. Trust accounts only upload and confirm."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO, Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ... import periods
from ...contract.submission import SubmissionStatus
from ..config import MAX_ZIP_ENTRIES
from ..findings_view import finding_rows
from ..formats import formats_for
from ..middleware import BodyTooLarge
from ..sessions import User
from ..site import SHOWN_FINDINGS, Site, attachment, site, text
from ..upload_safety import ALLOWED_EXTENSIONS, UploadRefused


def _periods(today: dt.date, n: int = 13) -> list[dict[str, Any]]:
    """The current month and the ``n - 1`` before it, newest first; last month selected."""
    current = periods.of(today)
    return [
        {"value": p, "text": f"{periods.start(p):%B %Y} ({p})", "selected": i == 1}
        for i, p in enumerate(periods.shift(current, -i) for i in range(n))
    ]


def _upload_for(s: Site, user: User, upload_id: str) -> dict[str, Any]:
    up = s.uploads.get(upload_id)
    if up is None or not user.may_see(up["trust"]):
        raise HTTPException(404)
    return up


def _upload_form(s: Site, request: Request, user: User, status_code: int = 200, error: str | None = None) -> Response:
    formats = formats_for(user.trust)
    # a dialect's own file names (RYR's .TXT files) are allowed too: offer their extensions
    names = sorted(
        {
            Path(n).suffix.lower()
            for f in formats
            for n in f.files
            if Path(n).suffix and not n.lower().endswith(ALLOWED_EXTENSIONS)
        }
    )
    return s.render(
        request,
        "upload.jinja",
        status_code,
        user=user,
        title="Upload a submission",
        nav="upload",
        periods=_periods(dt.date.today()),
        formats=formats,
        error=error,
        accept=",".join([*ALLOWED_EXTENSIONS, *names]),
        trust_name=s.trust_name(user.trust),
        max_mb=round(s.cfg.max_upload_bytes / (1024 * 1024)),
        max_bytes=s.cfg.max_upload_bytes,
    )


def _trust_only(s: Site, request: Request, user: User) -> Response | None:
    if user.is_network:
        return s.message(
            request,
            403,
            "Uploads are made by trusts",
            "Network team accounts cannot upload: sign in with the trust's account.",
            user=user,
        )
    return None


async def upload_page(request: Request) -> Response:
    s = site(request)
    user = s.user(request)
    return _trust_only(s, request, user) or _upload_form(s, request, user)


async def upload(request: Request) -> Response:
    s = site(request)
    user = s.user(request)
    try:
        form = await s.form(request, max_files=MAX_ZIP_ENTRIES, max_fields=10)
    except BodyTooLarge:
        s.audit(request, "upload", "refused", user, detail="over the size limit")
        raise
    try:
        if not s.sessions.csrf_ok(request, form, user):
            s.audit(request, "upload", "refused", user, detail="missing or wrong CSRF token")
            return s.message(
                request,
                403,
                "The upload form had expired",
                "Nothing was uploaded. Go back, reload the page and try again.",
                user=user,
            )
        refused = _trust_only(s, request, user)
        if refused:
            return refused
        files: list[tuple[str, IO[bytes]]] = [
            (f.filename or "", f.file)
            for f in form.getlist("files")
            if isinstance(f, UploadFile) and (f.filename or f.size)
        ]
        period = text(form.get("period"))
        try:
            upload_id = await run_in_threadpool(s.uploads.create, user.trust, user.id, period, files)
        except UploadRefused as exc:
            s.audit(request, "upload", "refused", user, detail=str(exc)[:500])
            return _upload_form(s, request, user, 400, str(exc))
    finally:
        await form.close()
    s.audit(request, "upload", "success", user, target=upload_id, detail=f"period {period}, {len(files)} file(s)")
    return RedirectResponse(f"/uploads/{upload_id}", 303)


async def upload_detail(request: Request, notice: str | None = None, status_code: int = 200) -> Response:
    s = site(request)
    user = s.user(request)
    up = _upload_for(s, user, request.path_params["uid"])
    result = s.uploads.result(up["id"]) if up["state"] in ("validated", "landing", "landed") else None
    findings = s.uploads.findings(up["id"]) if result else None
    return s.render(
        request,
        "upload_detail.jinja",
        status_code,
        user=user,
        title=f"Pre-flight check {up['period']}",
        nav="upload",
        upload=up,
        result=result,
        notice=notice,
        files=[{"file": k, **v} for k, v in (result or {}).get("files", {}).items()],
        labels=(result or {}).get("source_labels", {}),
        findings=finding_rows(findings, SHOWN_FINDINGS) if findings is not None else [],
        total=findings.num_rows if findings is not None else 0,
        can_confirm=(not user.is_network and up["state"] == "validated" and SubmissionStatus(up["status"]).loaded),
    )


async def upload_status(request: Request) -> Response:
    s = site(request)
    user = s.sessions.user(request)
    if user is None:
        return JSONResponse({"error": "sign in"}, 401)
    up = _upload_for(s, user, request.path_params["uid"])
    return JSONResponse({"state": up["state"], "stage": up["stage"], "status": up["status"]})


async def confirm(request: Request) -> Response:
    s = site(request)
    user = s.user(request)
    up = _upload_for(s, user, request.path_params["uid"])
    form = await s.form(request)
    if not s.sessions.csrf_ok(request, form, user):
        s.audit(request, "confirm", "refused", user, target=up["id"], detail="missing or wrong CSRF token")
        return s.message(
            request,
            403,
            "The form had expired",
            "Nothing was submitted. Reload the page and confirm again.",
            user=user,
        )
    if user.is_network or up["trust"] != user.trust:
        raise HTTPException(404)
    try:
        landed = await run_in_threadpool(s.uploads.confirm, up["id"], user.trust)
    except UploadRefused as exc:
        s.audit(request, "confirm", "refused", user, target=up["id"], detail=str(exc))
        return await upload_detail(request, notice=str(exc), status_code=409)
    s.audit(request, "confirm", "success", user, target=up["id"], detail=landed.submission_id)
    return RedirectResponse(f"/uploads/{up['id']}", 303)


async def upload_feedback(request: Request) -> Response:
    s = site(request)
    user = s.user(request)
    try:
        up = _upload_for(s, user, request.path_params["uid"])
    except HTTPException:
        s.audit(
            request,
            "download",
            "refused",
            user,
            target=request.path_params["uid"][:128],
            detail="not found or not yours",
        )
        raise
    kind = request.path_params["kind"]
    path = s.uploads.feedback_file(up["id"], kind) if kind in ("html", "csv") else None
    if path is None:
        raise HTTPException(404)
    s.audit(request, "download", "success", user, target=up["id"], detail=f"feedback.{kind}")
    return attachment(path, f"preflight-{up['trust']}-{up['period']}.{kind}")


routes = [
    Route("/upload", upload_page, methods=["GET"]),
    Route("/upload", upload, methods=["POST"]),
    Route("/uploads/{uid}", upload_detail),
    Route("/uploads/{uid}/status", upload_status),
    Route("/uploads/{uid}/confirm", confirm, methods=["POST"]),
    Route("/uploads/{uid}/feedback.{kind}", upload_feedback),
]
