// Typeset TeX with MathJax 4 (the pinned npm package) for the builder: one JSON request
// per line on stdin, one JSON answer per line on stdout (downhill/mathjax.py drives it).
//
//   {"id": 1, "document": false, "formulas": [{"tex": "x^2", "display": false}, ...]}
//   → {"id": 1, "results": [{"html": "<mjx-container …>", "mathml": "<math …>",
//                            "glyphs": {"MJX-NCM-I-1D465": "<path …/>"}, "error": null}]}
//   {"id": 2, "stylesheet": true} → {"id": 2, "css": "…"}
//
// The output is SVG whose glyphs are <use> references to paths with stable ids (MathJax's
// global font cache, emptied after each formula): the page holds each glyph it uses once,
// in one hidden <defs>, and no font files. MathJax's assistive MathML is beside each
// formula for screen readers (and, on its own, for the Atom feed).
// A "document" is an article's numbered math, in reading order: equation numbers and
// labels start over with it, and a reference to a label defined further down is typeset
// again once the whole document has been.
import { createInterface } from "node:readline";
import MathJax from "mathjax";

await MathJax.init({
  loader: { load: ["input/tex", "output/svg", "a11y/assistive-mml"] },
  // an undefined macro is an error (MathJax's default shows it in red and carries on)
  tex: { tags: "ams", packages: { "[-]": ["noundefined"] } },
  svg: { fontCache: "global" },
  options: { enableAssistiveMml: true },
  startup: { typeset: false },
});
const adaptor = MathJax.startup.adaptor;
const tags = MathJax.startup.input[0].parseOptions.tags;
const fontCache = MathJax.startup.output.fontCache;

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const unescape = (text) => text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name) =>
  name[0] === "#"
    ? String.fromCodePoint(Number(name[1] === "x" ? `0${name.slice(1)}` : name.slice(1)))
    : ENTITIES[name] ?? whole);

// What only MathJax's own in-page tools read (its explorer and menu, which a built page
// does not load): a quarter of a formula's bytes. The <math> keeps its TeX (data-latex).
const TOOLS_ONLY = ["data-mml-node", "data-latex", "data-c"];
function strip(node, keep) {
  if (adaptor.kind(node) === "#text") return;
  if (node !== keep) for (const name of TOOLS_ONLY) adaptor.removeAttribute(node, name);
  for (const child of adaptor.childNodes(node)) strip(child, keep);
}

const ONLY_A_REFERENCE = /^\s*\\(eq)?ref\s*\{[^{}]*\}\s*$/;
const escapeHtml = (text) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

// The SVG is hidden from assistive technology (the MathML beside it is read), so a link
// drawn in it must not take keyboard focus either. A formula that is nothing but a
// reference, "see \eqref{eq:update}", becomes a plain link that keyboards reach.
function links(node, tex, math, display) {
  const anchors = adaptor.tags(node, "a");
  if (anchors.length === 1 && !display && ONLY_A_REFERENCE.test(tex)) {
    const href = adaptor.getAttribute(anchors[0], "href");
    return `<a class="eqref" href="${escapeHtml(href)}">${escapeHtml(adaptor.textContent(math))}</a>`;
  }
  for (const anchor of anchors) adaptor.setAttribute(anchor, "tabindex", "-1");
  return null;
}

async function typeset({ tex, display }) {
  const node = await MathJax.tex2svgPromise(tex, { display: Boolean(display) });
  strip(node, adaptor.tags(node, "math")[0]);
  const math = adaptor.tags(node, "math")[0];
  const link = math ? links(node, tex, math, display) : null;
  const html = link ?? adaptor.outerHTML(node);
  const error = /data-mjx-error="([^"]*)"/.exec(adaptor.outerHTML(node));
  const glyphs = {};
  for (const path of adaptor.childNodes(fontCache.getCache())) {
    if (!link) glyphs[adaptor.getAttribute(path, "id")] = adaptor.outerHTML(path);
  }
  fontCache.clearCache();
  return {
    html,
    glyphs,
    mathml: math ? adaptor.outerHTML(math) : "",
    error: error ? unescape(error[1]) : null,
  };
}

async function document(formulas) {
  MathJax.texReset();
  const results = [];
  const later = []; // [index, the numbering state before it, the labels it defined]
  for (const [k, formula] of formulas.entries()) {
    const before = { counter: tags.counter, allCounter: tags.allCounter };
    const known = new Set(Object.keys(tags.allLabels));
    const knownIds = new Set(Object.keys(tags.allIds));
    results.push(await typeset(formula));
    if (/\\(eq)?ref\b/.test(formula.tex) && results[k].html.includes("???")) {
      const own = Object.keys(tags.allLabels).filter((label) => !known.has(label));
      const ownIds = Object.keys(tags.allIds).filter((id) => !knownIds.has(id));
      later.push([k, before, own, ownIds]);
    }
  }
  // Forward references: typeset again with every label known, numbered as the first time.
  for (const [k, before, own, ownIds] of later) {
    const end = {
      counter: tags.counter,
      allCounter: tags.allCounter,
      allLabels: { ...tags.allLabels },
      allIds: { ...tags.allIds },
    };
    tags.counter = before.counter;
    tags.allCounter = before.allCounter;
    for (const label of own) delete tags.allLabels[label];
    for (const id of ownIds) delete tags.allIds[id];
    results[k] = await typeset(formulas[k]);
    Object.assign(tags, end);
  }
  return results;
}

async function answer(request) {
  if (request.stylesheet) return { id: request.id, css: adaptor.textContent(MathJax.svgStylesheet()) };
  if (request.document) return { id: request.id, results: await document(request.formulas) };
  const results = [];
  for (const formula of request.formulas) {
    MathJax.texReset(); // nothing in one formula leaks into the next
    results.push(await typeset(formula));
  }
  return { id: request.id, results };
}

process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  let reply;
  try {
    reply = await answer(JSON.parse(line));
  } catch (err) {
    reply = { failed: String((err && err.stack) || err) };
  }
  process.stdout.write(`${JSON.stringify(reply)}\n`);
}
