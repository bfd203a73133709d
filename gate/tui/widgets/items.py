"""The item table: one row per item with its evidence status, sign-off state and quorum, severity and stages."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

from gate.report import printable
from gate.results import ItemResult, SignoffState, SignoffStatus, Status

STATUS_STYLES = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.ERROR: "bold magenta",
    Status.WAIVED: "yellow",
}
SIGNOFF_STYLES = {
    SignoffStatus.APPROVED: "green",
    SignoffStatus.PENDING: "yellow",
    SignoffStatus.STALE: "bold yellow",
    SignoffStatus.REJECTED: "bold red",
    SignoffStatus.NOT_REQUIRED: "dim",
}
SEVERITY_STYLES = {"blocker": "bold", "major": "", "minor": "dim"}
COLUMNS = ("Evidence", "Item", "Severity", "Sign-off", "Stages")
SHRINK = {"Stages": 8, "Item": 18}
"""When the columns do not fit, these shrink (in this order) down to these widths, with an ellipsis."""


def signoff_cell(state: SignoffState | None) -> Text:
    """`PENDING safety-lead 0/1, auditor 0/1`; `-` when sign-offs were not checked."""
    if state is None:
        return Text("-", style="dim")
    if state.status is SignoffStatus.NOT_REQUIRED:
        return Text("not required", style="dim")
    cell = Text(state.status.value, style=SIGNOFF_STYLES[state.status])
    if state.progress:
        cell.append(f" {state.progress}")
    return cell


def row(item: ItemResult) -> tuple[Text, ...]:
    return (
        Text(item.status.value, style=STATUS_STYLES[item.status]),
        Text(printable(item.id)),
        Text(item.severity, style=SEVERITY_STYLES[item.severity]),
        signoff_cell(item.signoff_state),
        Text(", ".join(item.stages) if item.stages else "all", style="" if item.stages else "dim"),
    )


def fit(rows: Sequence[tuple[Text, ...]], available: int, padding: int) -> list[int]:
    """Column widths that fit `available` cells: the natural widths, with Stages then Item shrunk if needed."""
    widths = [
        max([len(name), *(cell.cell_len for cell in cells)]) for name, *cells in zip(COLUMNS, *rows, strict=False)
    ]
    if not rows:
        widths = [len(name) for name in COLUMNS]
    excess = sum(widths) + 2 * padding * len(COLUMNS) - available
    for name, floor in SHRINK.items():
        if excess <= 0:
            break
        i = COLUMNS.index(name)
        cut = min(excess, max(0, widths[i] - floor))
        widths[i] -= cut
        excess -= cut
    return widths


class ItemTable(DataTable[Text]):
    """Rows keyed by item id; the highlighted row is the item the detail pane and the actions work on."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = False
        self._shown: list[ItemResult] = []
        for name in COLUMNS:
            self.add_column(name, key=name)

    def show(self, items: Sequence[ItemResult], *, keep: str | None) -> None:
        """Replace the rows, keeping the cursor on item `keep` when it is still listed."""
        self._shown = list(items)
        rows = [row(item) for item in items]
        # The border and a vertical scrollbar take 4 cells; fall back to the screen's width before the first layout.
        available = (self.size.width or self.app.size.width) - 4
        widths = fit(rows, available, self.cell_padding)
        self.clear(columns=True)
        for name, width in zip(COLUMNS, widths, strict=True):
            self.add_column(name, key=name, width=width)
        for item, cells in zip(items, rows, strict=True):
            fitted = []
            for cell, width in zip(cells, widths, strict=True):
                cell = cell.copy()
                cell.truncate(width, overflow="ellipsis")
                fitted.append(cell)
            self.add_row(*fitted, key=item.id)
        ids = [i.id for i in items]
        if keep in ids:
            self.move_cursor(row=ids.index(keep), animate=False)

    def on_resize(self) -> None:
        self.show(self._shown, keep=self.current)

    @property
    def current(self) -> str | None:
        """The highlighted item's id."""
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return None if key.value is None else str(key.value)
