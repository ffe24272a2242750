"""A report as titled sections of lines, rendered once as Markdown and once as HTML, so both
formats always carry the same numbers."""

import html
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path


@dataclass(frozen=True)
class Section:
    title: str
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    sections: list[Section]

    def markdown(self) -> str:
        parts = [f"# {self.title}", "", self.subtitle, ""]
        for section in self.sections:
            parts += [f"## {section.title}", ""]
            parts += [f"- {line}" for line in section.lines] or ["- none"]
            parts.append("")
        return "\n".join(parts)

    def html(self) -> str:
        body = [f"<h1>{html.escape(self.title)}</h1>", f"<p>{html.escape(self.subtitle)}</p>"]
        for section in self.sections:
            items = "".join(f"<li>{html.escape(line)}</li>" for line in section.lines or ["none"])
            body += [f"<h2>{html.escape(section.title)}</h2>", f"<ul>{items}</ul>"]
        return (
            '<!doctype html>\n<html><head><meta charset="utf-8">'
            f"<title>{html.escape(self.title)}</title></head>\n<body>\n"
            + "\n".join(body)
            + "\n</body></html>\n"
        )

    def slack_payload(self) -> dict:
        """A Slack-compatible webhook body: `text` (the Markdown) and `blocks` (a header, then
        one section per part of the report)."""
        blocks = [{"type": "header", "text": {"type": "plain_text", "text": self.title[:150]}}]
        for section in self.sections:
            lines = "\n".join(f"• {line}" for line in section.lines) or "none"
            text = f"*{section.title}*\n{lines}"
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
        return {"text": self.markdown(), "blocks": blocks}


def write_document(document: Document, folder: Path, name: str) -> tuple[Path, Path]:
    """`<folder>/<name>.md` and `.html`."""
    folder.mkdir(parents=True, exist_ok=True)
    markdown, page = folder / f"{name}.md", folder / f"{name}.html"
    markdown.write_text(document.markdown())
    page.write_text(document.html())
    return markdown, page


def money(value, currency: str) -> str:
    """Exact to the cent, as the marts hold it: 1,234,567.89 USD; – when unknown."""
    if value is None:
        return "–"
    return f"{Decimal(str(value)).quantize(Decimal('0.01')):,} {currency}"


def share(value) -> str:
    return "–" if value is None else f"{float(value):.1%}"


def ratio(value) -> str:
    return "–" if value is None else f"{float(value):.2f}×"


def signed_money(value, currency: str) -> str:
    if value is None:
        return "–"
    text = money(abs(Decimal(str(value))), currency)
    return f"+{text}" if value >= 0 else f"−{text}"
