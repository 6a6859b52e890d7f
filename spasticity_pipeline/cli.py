"""``spasticity``: the operating contract of spec §9 plus the tools around it.

Exit codes (validate, submit): 0 accepted (with or without warnings), 1 rejected, 2 usage error;
3 (any command) when it could not finish for a reason outside the submission, such as a full disk
(``submit``: nothing was landed).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import sys
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from .config import ConfigError
from .contract.rules import RULES
from .contract.submission import SubmissionStatus
from .oserrors import disk_full, full_disk_at
from .settings import Settings, SettingsError, get_settings

console = Console(stderr=True)


class UsageError(click.ClickException):
    """A one-line error that exits 2 (spec §9: 2 is a usage error), without click's usage text."""

    exit_code = 2


#: at least 100 columns, so the summary table is not truncated in a narrow terminal or a log
out = Console(width=max(100, shutil.get_terminal_size((100, 24)).columns))


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _print_result(result, as_json: bool) -> None:
    if as_json:
        out.print_json(json.dumps(result.to_json()))
        return
    colour = {
        SubmissionStatus.ACCEPTED: "green",
        SubmissionStatus.ACCEPTED_WITH_WARNINGS: "yellow",
        SubmissionStatus.REJECTED: "red",
    }[result.status]
    out.print(f"[bold {colour}]{result.status}[/]  {result.trust_ods_code or '?'} {result.period or '?'}")
    if result.files:
        t = Table("file", "rows in", "loaded", "quarantined")
        for name, f in result.files.items():
            t.add_row(name, str(f.rows_in), str(f.rows_loaded), str(f.rows_quarantined))
        out.print(t)
    findings = result.findings.to_pylist()
    if findings:
        t = Table("rule", "severity", "file", "row", "field", "message", title=f"{len(findings)} findings")
        for f in findings[:50]:
            t.add_row(
                f["rule_id"], f["severity"], f["file"], str(f["row_number"] or ""), f["field"] or "", f["message"]
            )
        out.print(t)
        if len(findings) > 50:
            out.print(f"… and {len(findings) - 50} more; counts by rule: {result.counts_by_rule()}")
        for rule in sorted({f["rule_id"] for f in findings}):
            out.print(f"[bold]{rule}[/] {RULES[rule].what}. [italic]How to fix:[/] {RULES[rule].fix}")


def _validate(folder: Path, settings: Settings):
    from .flow import preflight

    checked = preflight(folder, settings)
    if not checked.history:
        console.print("[yellow]note:[/] the warehouse is busy or empty; W05 is checked within this submission only")
    return checked.result


class _Main(click.Group):
    """Known failures end in one line and an exit code, never a traceback: a configuration error
    (exit 2) or a warehouse that is not built yet, in use by another process or unreachable (1)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (ConfigError, SettingsError) as exc:
            raise UsageError(f"configuration error: {exc}") from None
        except click.exceptions.Exit:
            raise
        except Exception as exc:
            from .warehouse import WarehouseUnavailable

            if isinstance(exc, WarehouseUnavailable):
                raise click.ClickException(str(exc)) from None
            raise


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log progress (never identifiers).")
def main(verbose: bool) -> None:
    """Regional spasticity dataset: validate, submit, run, report."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")
    if not verbose:  # runs are logged in full to the Dagster instance (make ui); the terminal shows progress
        for name in ("dagster", "great_expectations"):
            logging.getLogger(name).setLevel(logging.WARNING)


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the spec §9 JSON summary.")
@click.option(
    "--findings-csv",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write every finding, one row each, to this CSV (for Excel).",
)
def validate(folder: Path, as_json: bool, findings_csv: Path | None) -> None:
    """Pre-flight check of one submission FOLDER; writes nothing (but the --findings-csv file)."""
    result = _validate(folder, get_settings())
    _print_result(result, as_json)
    if findings_csv is not None:
        from .reporting.findings_csv import write_findings_csv

        try:
            n = write_findings_csv(result.findings, findings_csv, result.cells, result.file_labels)
        except OSError as exc:
            raise UsageError(f"cannot write {findings_csv}: {(exc.strerror or type(exc).__name__).lower()}") from None
        console.print(f"{n} finding(s) written to {findings_csv}")
    sys.exit(1 if result.rejected else 0)


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the spec §9 JSON summary.")
def submit(folder: Path, as_json: bool) -> None:
    """Validate FOLDER, then land it atomically (a rejected submission is not landed)."""
    from . import landing

    settings = get_settings()
    result = _validate(folder, settings)
    if result.rejected:
        _print_result(result, as_json)
        console.print("[red]Not landed:[/] fix the findings above and submit again.")
        sys.exit(1)
    where = settings.landing / str(result.trust_ods_code) / str(result.period)
    try:
        sub = landing.submit(folder, settings, result.trust_ods_code, result.period)
    except OSError as exc:  # nothing was landed: say why in one line, never "accepted"
        _fail(f"not landed: {disk_full(exc, where) or f'cannot write to {where} ({exc.strerror})'}")
    _print_result(result, as_json)
    console.print(f"Landed as [bold]{sub.submission_id}[/] (received {sub.received_at.isoformat()}) in {sub.folder}")


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--trust", required=True, help="The trust's ODS code, as in the network's registry.")
@click.option("--period", required=True, help="The month the extract is for (YYYY-MM).")
@click.option("--format", "fmt", default=None, help="regional-v1 or a registered dialect (default: from the files).")
@click.option("--force", is_flag=True, help="Replace an existing manifest.json.")
def manifest(folder: Path, trust: str, period: str, fmt: str | None, force: bool) -> None:
    """Write FOLDER/manifest.json: sha256 and data rows of each file (per sheet for a workbook)."""
    from .extract.manifest import ManifestError, make_manifest

    try:
        written = make_manifest(folder, trust.strip().upper(), period.strip(), fmt, force=force)
    except ManifestError as exc:
        raise UsageError(str(exc)) from None
    t = Table("file", "data rows", "sha256", title=f"{written.path} ({written.manifest.format})")
    for name, entry in written.manifest.files.items():
        rows = entry.rows if entry else None
        shown = ", ".join(f"{s}: {n}" for s, n in rows.items()) if isinstance(rows, dict) else str(rows)
        t.add_row(name, shown, (entry.sha256 or "")[:12] + "…" if entry else "")
    out.print(t)
    for name in written.missing:
        console.print(f"[yellow]note:[/] {name} is not in the folder; validation will report it missing (F03)")
    for name, why in written.unreadable.items():
        console.print(f"[yellow]note:[/] {name} cannot be read ({why}); validation will report it (F05)")


class _Bars:
    """``orchestrate.Progress`` drawn as rich progress bars, one per stage."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def stage(self, description: str, total: int) -> None:
        self.task = self.progress.add_task(description, total=total)

    def step(self, description: str) -> None:
        assert self.task is not None
        self.progress.update(self.task, description=description)

    def advance(self) -> None:
        assert self.task is not None
        self.progress.advance(self.task)


def _run_pipeline(settings: Settings, nightly: bool = True, full_refresh: bool = False) -> int:
    """``orchestrate`` with progress bars; the number of partitions processed, or exit on a failure."""
    from .orchestrate import execute_plan, plan_run

    plan = plan_run(settings)
    for s in plan.skipped:
        console.print(f"[yellow]skipped[/] {s.folder}: no partition for {s.trust}/{s.period} (unknown trust or month)")
    with _progress() as bar:
        outcome = execute_plan(plan, nightly=nightly, full_refresh=full_refresh, progress=_Bars(bar))
    if outcome.failed:
        full = full_disk_at(settings.home)
        if full:
            _fail(f"{full}; runs failed: {', '.join(outcome.failed)}")
        raise click.ClickException(f"runs failed: {', '.join(outcome.failed)} (see the Dagster UI: make ui)")
    return len(outcome.partitions)


@main.command()
@click.option("--no-nightly", is_flag=True, help="Only ingest; skip the dbt build and reports.")
@click.option("--full-refresh", is_flag=True, help="Rebuild core and marts from scratch (not incrementally).")
def run(no_nightly: bool, full_refresh: bool) -> None:
    """Process every waiting submission and rebuild the warehouse (through Dagster)."""
    settings = get_settings()
    done = _run_pipeline(settings, nightly=not no_nightly, full_refresh=full_refresh)
    console.print(f"Processed {done} trust × month partitions. Warehouse: {settings.warehouse_url}")


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write.")
@click.option("--trusts", default="", help="Comma-separated ODS codes (default: every trust in the registry).")
@click.option("--months", type=int, default=6, show_default=True, help="Full months before this one.")
@click.option("--patients", type=int, default=400, show_default=True, help="Patients per trust.")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--fault-rate", type=float, default=0.02, show_default=True, help="Share of rows with a fault.")
@click.option("--canonical-only", is_flag=True, help="Every trust in regional-v1 (no dialects).")
def generate(
    out: Path, trusts: str, months: int, patients: int, seed: int, fault_rate: float, canonical_only: bool
) -> None:
    """Write a synthetic network's submissions with known faults and ground_truth.json."""
    subs = _generate(out, trusts, months, patients, seed, fault_rate, canonical_only)
    console.print(f"Wrote {len(subs)} submissions and {out / 'ground_truth.json'}")


def _generate(
    out: Path, trusts: str, months: int, patients: int, seed: int, fault_rate: float, canonical_only: bool = False
):
    from .synthetic import default_months, generate_network

    codes = [t.strip().upper() for t in trusts.split(",") if t.strip()] or None
    with console.status("generating the network's extracts…"):
        try:
            return generate_network(
                out,
                trusts=codes,
                months=default_months(n=months),
                patients=patients,
                seed=seed,
                fault_rate=fault_rate,
                dialects=not canonical_only,
            )
        except ValueError as exc:  # unknown trusts, months before the network's first
            raise click.UsageError(str(exc)) from None


DEMO_MARKER = ".spasticity-demo"


@main.command()
@click.option("--patients", type=int, default=400, show_default=True, help="Patients per trust.")
@click.option("--months", type=int, default=6, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
def demo(patients: int, months: int, seed: int) -> None:
    """Generate a synthetic network, land every submission, run everything, say where it is."""
    from . import landing
    from .warehouse import ensure_available, open_warehouse
    from .warehouse.summary import findings_by_rule, submissions_by_trust

    settings = get_settings()
    home = settings.home
    if home.exists() and any(home.iterdir()) and not (home / DEMO_MARKER).exists():
        raise click.ClickException(f"{home} holds data that is not a demo's; set SPASTICITY_HOME to an empty folder")
    ensure_available(settings)  # a run (or the UI) still holds the demo's warehouse: wipe nothing
    for sub in ("landing", "incoming", "reports", "exports", "feedback", "published", "dagster"):
        shutil.rmtree(home / sub, ignore_errors=True)
    if settings.is_duckdb:
        settings.duckdb_path.unlink(missing_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    (home / DEMO_MARKER).write_text("this folder is the demo's; `spasticity demo` may wipe it\n")
    subs = _generate(home / "incoming", "", months, patients, seed, 0.02)
    console.print(f"Generated {len(subs)} submissions (with known faults) in {home / 'incoming'}")
    # every upload lands as a trust's SFTP drop would (rejected ones too, so the audit shows them),
    # in the generator's order: originals before their resubmissions
    start = dt.datetime.now(dt.UTC)
    for i, s in enumerate(sorted(subs, key=lambda s: s.order)):
        landing.submit(s.folder, settings, s.trust, s.period, received_at=start + dt.timedelta(seconds=i))
    _run_pipeline(settings)
    with open_warehouse(settings) as wh:
        rows = submissions_by_trust(wh)
        findings = findings_by_rule(wh)
    t = (
        Table(*rows[0].keys(), title="Submissions processed (rows summed over submissions)")
        if rows
        else Table("nothing processed")
    )
    for r in rows:
        t.add_row(*(str(v) for v in r.values()))
    out.print(t)
    out.print("Findings by rule: " + ", ".join(f"{f['rule_id']} {f['n']}" for f in findings))
    out.print(f"Warehouse:          {settings.warehouse_url}")
    out.print(f"Analysts' copy:     {settings.published_duckdb}")
    out.print(f"Governance report:  {settings.reports / 'governance_report.html'}")
    out.print(f"Trust feedback:     {home / 'feedback'}/<trust>/<submission>.html")
    out.print(f"Public export:      {home / 'exports'}")
    out.print("Dagster UI:         make ui  →  http://127.0.0.1:3000")


@main.command()
def ui() -> None:
    """Start the Dagster UI on the same SPASTICITY_HOME (127.0.0.1:3000)."""
    import os

    from .dagster_home import ensure_dagster_home

    ensure_dagster_home(get_settings())
    workspace = Path(__file__).resolve().parents[1] / "workspace.yaml"
    dagster = str(Path(sys.executable).parent / "dagster")
    os.execv(dagster, [dagster, "dev", "-w", str(workspace), "-h", "127.0.0.1", "-p", "3000"])


@main.command()
@click.argument("submission_id")
def feedback(submission_id: str) -> None:
    """Write (if needed) and print where a submission's feedback report is."""
    from .reporting.feedback import UnknownSubmission, feedback_for

    try:
        html, csv = feedback_for(get_settings(), submission_id)
    except UnknownSubmission as exc:
        raise click.ClickException(str(exc)) from None
    out.print(f"{html}\n{csv}")


@main.group()
def dialect() -> None:
    """Tools for writing a trust's dialect."""


@dialect.command("check")
@click.argument("name")
@click.argument("sample", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--rows", type=int, default=5, show_default=True, help="Preview rows per table.")
def dialect_check(name: str, sample: Path, rows: int) -> None:
    """Check dialect NAME against the export in SAMPLE (no manifest needed).

    Exit 0 when the mapping is complete: data faults in the sample are listed (counts, first rows,
    cells and values) for the trust to fix. Exit 1 on a mapping problem: a missing file, sheet or
    column, or a fault too common to be the data's (a code no map covers, a wrong date format).
    """
    from .extract.dialect import load_dialect
    from .validate.dialect_check import check_dialect, format_report

    report = check_dialect(load_dialect(name), sample, preview_rows=rows)
    out.print(format_report(report), markup=False, highlight=False)
    sys.exit(0 if report.ok else 1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
def portal(host: str, port: int) -> None:
    """Serve the trusts' upload portal (docs/portal.md)."""
    from .portal.app import serve

    serve(host=host, port=port)


@main.group()
def users() -> None:
    """Portal accounts (the network team's job)."""


@users.command("add")
@click.argument("email")
@click.option("--trust", required=True, help="The user's trust (ODS code), or 'network' for the network team.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (for scripts); otherwise it is asked for. "
    "Never on the command line, where shell history and the process list would keep it.",
)
def users_add(email: str, trust: str, password_stdin: bool) -> None:
    """Add a portal account; the user enrols their authenticator app at first sign-in."""
    from .portal.users import UserError, add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        add_user(email, trust, password)
    except UserError as exc:
        raise click.UsageError(str(exc)) from None
    out.print(f"added {email} ({trust})")


@users.command("disable")
@click.argument("email")
def users_disable(email: str) -> None:
    from .portal.users import UserError, disable_user

    try:
        disable_user(email)
    except UserError as exc:
        raise click.UsageError(str(exc)) from None
    out.print(f"disabled {email}")


@users.command("list")
def users_list() -> None:
    from .portal.users import list_users

    t = Table("email", "trust", "active", "authenticator app")
    for u in list_users():
        t.add_row(
            str(u.get("email")),
            str(u.get("trust")),
            "no" if u.get("disabled") else "yes",
            "set up" if u.get("mfa") else "at first sign-in",
        )
    out.print(t)


@users.command("reset")
@click.argument("email")
def users_reset(email: str) -> None:
    """Reset EMAIL's password and second factor: prints a one-time link (valid 24 hours) to send them.

    Their password stops working and they are signed out everywhere at once; with the link they
    choose a new password, then set up their authenticator app again at sign-in.
    """
    from .portal.config import load_config
    from .portal.users import RESET_LINK_HOURS, UserError, reset_user

    try:
        token = reset_user(email)
    except UserError as exc:
        raise click.UsageError(str(exc)) from None
    out.print(f"reset {email}: their password and authenticator app no longer work, and they are signed out.")
    out.print(f"Send them this link (it works once, for {RESET_LINK_HOURS} hours):", highlight=False)
    click.echo(f"{load_config().public_url}/reset/{token}")


@main.command()
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
def purge(dry_run: bool) -> None:
    """Delete raw portal uploads and rejected landings older than SPASTICITY_RETENTION_DAYS (default 90).

    Each deletion is recorded in the access audit (spasticity audit --action purge). The nightly
    build does the same (asset expired_uploads_purged).
    """
    from .retention import purge_expired

    settings = get_settings()
    purged = purge_expired(settings, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    out.print(
        f"{verb} {len(purged.uploads)} raw upload(s) and {len(purged.landings)} rejected landing(s) older than "
        f"{settings.retention_days} days ({purged.bytes:,} bytes)"
    )
    for name in [*purged.uploads, *purged.landings]:
        out.print(f"  {name}", highlight=False)


@main.command()
@click.option("--days", type=int, default=30, show_default=True, help="How far back.")
@click.option("--action", default=None, help="One kind: login, mfa, logout, reset, upload, confirm, download, purge.")
@click.option("--limit", type=int, default=200, show_default=True)
def audit(days: int, action: str | None, limit: int) -> None:
    """The access audit, newest first: sign-ins, second-factor events, downloads, purges."""
    from .access_audit import entries

    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    columns = ("at", "action", "outcome", "email", "trust", "ip", "target", "detail")
    click.echo("\t".join(["at (UTC)", "action", "outcome", "user", "trust", "address", "target", "detail"]))
    for e in entries(get_settings(), since=since, action=action, limit=limit):  # one line each, to grep
        click.echo("\t".join(str(e.get(c) or "-") for c in columns))


#: exit code when a command could not finish for a reason outside the submission (a full disk)
EXIT_FAILED = 3


def _fail(message: str) -> NoReturn:
    console.print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(EXIT_FAILED)


def run_cli() -> None:
    try:
        main(standalone_mode=True)
    except Exception as exc:  # a full disk, in the user's words, whichever command met it
        try:
            home = get_settings().home
        except Exception:
            home = None
        message = disk_full(exc) or (full_disk_at(home) if home else None)
        if message is None:
            raise
        _fail(message)


if __name__ == "__main__":
    run_cli()
