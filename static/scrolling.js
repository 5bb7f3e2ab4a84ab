// Wide listings and tables scroll sideways in their own box (a wrapped line of code reads
// as broken code). A box that does scroll is made reachable by keyboard, so a reader
// without a mouse can scroll it with the arrow keys.
const BOXES = ".article pre, .article > table, .table-wrap, .iterates";

/** Make each box that scrolls sideways keyboard-reachable (again after new output). */
export function reachable() {
  for (const box of document.querySelectorAll(BOXES)) {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.tabIndex = 0; // its own content names it when reached (a label would hide it)
      box.dataset.scrolls = "";
    } else if (!scrolls && box.dataset.scrolls !== undefined) {
      box.removeAttribute("tabindex");
      delete box.dataset.scrolls;
    }
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", reachable);
else reachable();
addEventListener("resize", reachable);
