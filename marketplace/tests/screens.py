"""Screen sizes the browser tests check layouts at, and what they measure on a page."""

from conftest import ARTIFACTS_DIR

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def box(page, selector: str) -> dict:
    """The element's bounding box in CSS pixels of the viewport (its first match)."""
    return page.evaluate(
        """(selector) => {
            const r = document.querySelector(selector).getBoundingClientRect();
            return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height };
        }""",
        selector,
    )


def inside(inner: dict, outer: dict, *, slack: float = 0.5) -> bool:
    """True when the inner box lies wholly within the outer one (sub-pixel rounding allowed)."""
    return (
        inner["left"] >= outer["left"] - slack
        and inner["right"] <= outer["right"] + slack
        and inner["top"] >= outer["top"] - slack
        and inner["bottom"] <= outer["bottom"] + slack
    )


def viewport_box(page) -> dict:
    size = page.viewport_size
    return {"left": 0, "top": 0, "right": size["width"], "bottom": size["height"]}


def page_width(page) -> int:
    """How wide the page lays out: more than the viewport means it scrolls sideways."""
    return page.evaluate("document.documentElement.scrollWidth")


def screenshot(page, name: str) -> str:
    """Keep what the viewport shows in test-artifacts/<name>.png; answers the path."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    path = ARTIFACTS_DIR / f"{name}.png"
    page.screenshot(path=str(path))
    return str(path)
