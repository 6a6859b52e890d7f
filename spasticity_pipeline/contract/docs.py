"""Render the contract as Markdown (``docs/contract.md``), so the docs cannot drift from the
code: a test compares the committed file with this output. Regenerate with
``python -m spasticity_pipeline.contract.docs > docs/contract.md``."""

from __future__ import annotations

from .fields import FILES, Field, FileSpec
from .rules import E1_ORDER, ROW_RULE_ORDER, RULES


def _type(f: Field) -> str:
    if f.kind == "code":
        return "code: " + ", ".join(f"`{c}`" for c in (f.codes or ()))
    if f.kind in ("int", "decimal"):
        if f.allowed is not None:
            return f"{f.kind}: " + " or ".join(str(v) for v in f.allowed)
        low = f">{f.low:g}" if f.low_exclusive else f"{f.low:g}"
        return f"{f.kind} {low}…{f.high:g}"
    if f.kind == "string" and f.max_len:
        return f"string ≤ {f.max_len}"
    return f.kind.replace("_", " ")


def _file(spec: FileSpec) -> list[str]:
    lines = [f"### {spec.name}", ""]
    if spec.description:
        lines += [spec.description, ""]
    fk = spec.foreign_key
    lines += ["| field | type | required | key | identifier |", "|---|---|---|---|---|"]
    for f in spec.fields:
        key = "PK" if f.name == spec.primary_key else (f"FK → {fk.parent_file}" if fk and f.name == fk.column else "")
        lines.append(
            f"| {f.name} | {_type(f)} | {'yes' if f.required else ''} | {key} | {'yes' if f.identifier else ''} |"
        )
    checks = [f"`{o.column}` ≥ {'parent ' if o.where == 'parent' else ''}`{o.other}`" for o in spec.date_orders]
    checks += [f"`{a}` and `{b}` both present or both empty" for a, b in spec.pairs]
    if spec.parent_must_be_injection:
        checks.append("the parent contact must be an injection contact")
    if checks:
        lines += ["", "R08 checks: " + "; ".join(checks) + "."]
    return lines + [""]


def render_markdown() -> str:
    lines = [
        "# The regional-v1 contract as the pipeline implements it",
        "",
        "Generated from `spasticity_pipeline/contract/` — do not edit by hand.",
        "",
        "## Rules",
        "",
        f"Submission checks run in the order {', '.join(E1_ORDER)}; a row's one E2 finding is its "
        f"first failing rule in the order {', '.join(ROW_RULE_ORDER)}.",
        "",
        "| rule | severity | what | how to fix |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r.id} | {r.severity} | {r.what} | {r.fix} |" for r in RULES.values()]
    lines += ["", "## Files", ""]
    for spec in FILES:
        lines += _file(spec)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
