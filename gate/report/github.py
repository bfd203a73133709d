"""GitHub Actions output: `::error` workflow commands that annotate files, and the job step summary.

The CLI writes these beside the chosen formats when GITHUB_ACTIONS=true (never into machine-readable
stdout). Values are escaped as @actions/core does, so text from evidence cannot end a command or start
another. https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions
"""

# No `from __future__ import annotations` here (STYLE asks for it elsewhere): it binds the name
# `annotations`, which this module's public function needs. Every annotation below is importable as is.
from gate.report import failing, markdown, ordered
from gate.results import ItemResult, Observation, Report


def annotations(report: Report) -> str:
    """One `::error` line per failing observation of a blocking item that has a path; "" when none."""
    lines = []
    for item in ordered(report):
        if not item.blocking:
            continue
        for ev, observations in failing(item):
            for obs in observations:
                if obs.path:
                    lines.append(_annotation(item, obs, obs.path, ev.fix))
    return "".join(f"{line}\n" for line in lines)


def _annotation(item: ItemResult, obs: Observation, path: str, fix: str | None) -> str:
    message = obs.message + (f"\nfix: {fix}" if fix else "")
    properties: list[tuple[str, str]] = []
    if obs.root in (None, "repo"):
        properties.append(("file", path))
        if obs.line:
            properties.append(("line", str(obs.line)))
            if obs.col:
                properties.append(("col", str(obs.col)))
    else:
        # Not a file in the checkout (a CI artifact or a model file): say where in the message instead.
        message = f"{obs.root}: {obs.where}: {message}"
    properties.append(("title", f"gate {item.status.value} {item.id} [{item.severity}]: {item.title}"))
    props = ",".join(f"{name}={escape_property(value)}" for name, value in properties)
    return f"::error {props}::{escape_data(message)}"


def escape_data(value: str) -> str:
    """A command's message: `%`, CR and LF percent-encoded (@actions/core `escapeData`)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A command property: as escape_data, and `:` and `,` too (@actions/core `escapeProperty`)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def step_summary(report: Report) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: the Markdown report."""
    return markdown.render(report)
