// MathJax 4 configuration. Only the math that arithmatex marked is typeset, so a stray
// "$5 and $10" in prose stays text. Fonts are self-hosted; their URL comes from the tag.
window.MathJax = {
  // Lazy typesetting: only the math near the viewport is laid out, so that typesetting a
  // long article does not compete with the engine's start-up (all of it before printing).
  loader: { load: ["ui/lazy"], paths: { fonts: document.currentScript.dataset.fonts } },
  tex: {
    inlineMath: { "[+]": [["\\(", "\\)"]] },
    displayMath: [["\\[", "\\]"]],
    processEscapes: false,
    tags: "ams",
  },
  options: {
    ignoreHtmlClass: ".*",
    processHtmlClass: "arithmatex",
    menuOptions: { settings: { enrich: false } },
  },
};
