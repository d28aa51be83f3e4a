"""What the browser crawl (test_page_layout_browser.py) measures on a loaded page: elements that
stick out of the viewport, menu items broken across lines, list tables not turned into cards on
a phone, and the English words a Chinese page shows."""

from __future__ import annotations

import re

from tests.e2e.conftest import new_context

# The outermost elements wider than the viewport or starting left of it, unless a scroll box
# (overflow-x other than visible, below <body>) clips them; and the page's own scroll width.
OVERFLOW_JS = """() => {
  const width = window.innerWidth, found = [], reported = new Set();
  const root = document.documentElement;
  if (root.scrollWidth > width) found.push(`the page is ${root.scrollWidth}px wide (viewport ${width}px)`);
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const name = (el) => {
    const test = el.dataset && el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : "";
    const classes = typeof el.className === "string" ? el.className.trim() : "";
    const cls = classes ? "." + classes.split(/\\s+/).join(".") : "";
    const text = (el.innerText || "").trim().replace(/\\s+/g, " ").slice(0, 40);
    return `<${el.tagName.toLowerCase()}${test}${cls}> "${text}"`;
  };
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right <= width + 1 && box.left >= -1) continue;
    if (clipped(el)) continue;
    let ancestor = el.parentElement, inside = false;
    for (; ancestor; ancestor = ancestor.parentElement) if (reported.has(ancestor)) { inside = true; break; }
    if (inside) continue;
    reported.add(el);
    found.push(`${name(el)} spans ${Math.round(box.left)}..${Math.round(box.right)}px`);
  }
  // Menus: an item never breaks across lines. Phones: a list table shows its rows as cards.
  for (const el of document.querySelectorAll("header.top a, header.top button, nav a, .tabs a")) {
    if (el.getClientRects().length > 1) found.push(`menu item ${name(el)} breaks across lines`);
  }
  if (width <= 640) {
    for (const table of document.querySelectorAll("table.list")) {
      if (getComputedStyle(table).display === "table") found.push(`${name(table)} is not shown as cards`);
    }
  }
  return found.slice(0, 12);
}"""

# The text a reader sees (visible text, option labels, placeholders and tooltips), without what
# the demo's users wrote or named (inside an element marked data-user-text), code, and the
# language switch's "English" (lang="en").
TEXT_JS = """() => {
  const skip = "[data-user-text], [lang=en], code, script, style, noscript, template";
  const parts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    if (parent.tagName !== "OPTION" && parent.getClientRects().length === 0) continue;
    parts.push(node.textContent);
  }
  for (const el of document.body.querySelectorAll("[placeholder], [title], [aria-label]")) {
    if (el.closest(skip)) continue;
    for (const name of ["placeholder", "title", "aria-label"]) parts.push(el.getAttribute(name) || "");
  }
  return parts.join("\\n");
}"""

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Citations and references a page prints as they are: a rule's source (douyin:aJmEsBoSPU), a
# clause id (late-ship.48-240h.over48), which lead the reader to the official text, and a
# carrier's or provider's reference number (SF7000000071).
CITATION = re.compile(
    r"\b(?:douyin|taobao|pledge):[\w-]+|\b[a-z0-9]+(?:[-_.][a-z0-9]+)+\b|\b[A-Z]{1,4}\d{4,}\b"
)
WORD = re.compile(r"[A-Za-z]+")

# Tokens a Chinese reader meets as they are: units and brands of carriers and payment, the
# rulebook source names, file formats.
LATIN_ALLOWED = frozenset({"CSV", "PDF", "API", "JPEG", "PNG", "GIF", "WebP", "MB", "KB"})


def latin_words(text: str) -> set[str]:
    return set(WORD.findall(CITATION.sub(" ", EMAIL.sub(" ", text))))


def browser_context(browser, live_server, width: int, lang: str = "zh_CN"):
    """A browser context on the live server at a phone's (390 px) or a desktop's width."""
    viewport = {"width": width, "height": 844 if width == 390 else 800}
    return new_context(browser, live_server, viewport, lang)


def audit(page, artifacts, name: str, allowed: frozenset[str] = frozenset()) -> None:
    """The page fits its width and, in Chinese, holds no English words (but `allowed`, e.g. the
    merchants' own product titles); a full-page screenshot goes to artifacts/<name>.png."""
    assert page.evaluate(OVERFLOW_JS) == [], name
    words = latin_words(page.evaluate(TEXT_JS)) - LATIN_ALLOWED - allowed
    assert not words, (name, words)
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
