// MathJax 4 configuration. Only the math that arithmatex marked is typeset, so a stray
// "$5 and $10" in prose stays text. Fonts are self-hosted; their URL comes from the tag.
window.MathJax = {
  loader: { paths: { fonts: document.currentScript.dataset.fonts } },
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
