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
const handlers = MathJax.startup.input[0].parseOptions.handlers;

// What \def, \newcommand, \let and their kin defined: forgotten before each article's
// document and each formula typeset on its own, so that no definition leaks into another
// article or into a cached formula.
function forgetMacros() {
  for (const name of ["new-Command", "new-Environment", "new-Delimiter"]) {
    handlers.retrieve(name)?.map?.clear();
  }
}

// Characters XML 1.0 does not allow: one in the MathML would break the Atom feed.
const NOT_XML = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
// A lone surrogate (\unicode{55296}) cannot be written as UTF-8: it is the formula's error.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

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

/** A formula, or its error: MathJax can throw (an invalid code point, a stack overflow on
 * deep nesting) where it would otherwise mark an error in the output. */
async function typeset(formula, base) {
  try {
    const result = await typesetOrThrow(formula, base);
    if (LONE_SURROGATE.test(result.html) || LONE_SURROGATE.test(result.mathml)) {
      return failed("a character that is half of a surrogate pair cannot be shown");
    }
    const control = NOT_XML.exec(result.mathml);
    if (control) {
      const code = control[0].codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
      return failed(`U+${code} is a control character, which no page or feed may hold`);
    }
    return result;
  } catch (err) {
    fontCache.clearCache();
    const message = err instanceof RangeError && /call stack/i.test(err.message)
      ? "it is nested too deeply to typeset" : String((err && err.message) || err);
    return failed(message);
  }
}

const failed = (error) => ({ html: "", glyphs: {}, mathml: "", error, links: [] });

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const SAFE_SCHEME = /^(https?|mailto):/i;

/**
 * Check a formula's links and ids: a link is to http(s), mailto, an anchor, or a page of the
 * site (given the base URL, and returned for the builder to check); an id (\cssId) starts
 * with "math-", so that no formula takes an id the page's own elements have. Returns an
 * error message, or null.
 */
function checkLinks(node, base, linked) {
  for (const anchor of adaptor.tags(node, "a")) {
    const href = (adaptor.getAttribute(anchor, "href") || "").trim();
    if (SCHEME.test(href) && !SAFE_SCHEME.test(href)) {
      return `\\href to ${JSON.stringify(href.slice(0, 40))}: a link goes to an http(s) or ` +
        "mailto address, a #anchor, or a page of the site";
    }
    if (href.startsWith("/") && !href.startsWith("//")) {
      linked.push(href);
      adaptor.setAttribute(anchor, "href", base + href.slice(1));
    }
  }
  for (const id of adaptor.outerHTML(node).matchAll(/ id="([^"]*)"/g)) {
    const value = id[1];
    if (!value.startsWith("MJX-") && !value.startsWith("mjx-") && !value.startsWith("math-")) {
      return `\\cssId{${value.slice(0, 40)}}: a formula's id must start with "math-" ` +
        "(the page's own elements use the others)";
    }
  }
  return null;
}

async function typesetOrThrow({ tex, display }, base = "/") {
  const node = await MathJax.tex2svgPromise(tex, { display: Boolean(display) });
  const linked = [];
  const wrong = checkLinks(node, base, linked);
  if (wrong) {
    fontCache.clearCache();
    return failed(wrong);
  }
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
    links: linked,
  };
}

async function document(formulas, base) {
  MathJax.texReset();
  forgetMacros();
  const results = [];
  const later = []; // [index, the numbering state before it, the labels it defined]
  for (const [k, formula] of formulas.entries()) {
    const before = { counter: tags.counter, allCounter: tags.allCounter };
    const known = new Set(Object.keys(tags.allLabels));
    const knownIds = new Set(Object.keys(tags.allIds));
    results.push(await typeset(formula, base));
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
    results[k] = await typeset(formulas[k], base);
    Object.assign(tags, end);
  }
  return results;
}

async function answer(request) {
  if (request.stylesheet) return { id: request.id, css: adaptor.textContent(MathJax.svgStylesheet()) };
  const base = request.base || "/";
  if (request.document) return { id: request.id, results: await document(request.formulas, base) };
  const results = [];
  for (const formula of request.formulas) {
    MathJax.texReset(); // nothing in one formula leaks into the next
    forgetMacros();
    results.push(await typeset(formula, base));
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
