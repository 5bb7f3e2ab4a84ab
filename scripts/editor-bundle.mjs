// Build the cell editor a reader loads when they press Edit: CodeMirror 6 from the pinned
// npm packages (package.json), with Python highlighting, line numbers, history, bracket
// matching and the standard keymap, bundled by esbuild into one ES module. It is written as
// a package of its own (node_modules/downhill-editor), so the builder publishes it like the
// pinned npm files; the page imports it only when a reader asks to edit a cell.
//
// Run by `npm ci` (the "postinstall" script), and by scripts/setup when this file changed.
// The same inputs give the same bytes.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const out = join(modules, "downhill-editor");
const version = JSON.parse(readFileSync(join(modules, "@codemirror", "view", "package.json"), "utf8")).version;

const entry = `
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection } from "@codemirror/view";
import { EditorState } from "@codemirror/state";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { syntaxHighlighting, indentOnInput, bracketMatching, indentUnit } from "@codemirror/language";
import { classHighlighter } from "@lezer/highlight";
import { pythonLanguage } from "@codemirror/lang-python";
import { LanguageSupport } from "@codemirror/language";

/**
 * An editor of Python in \`parent\`, holding \`doc\`. Mod-Enter (Ctrl or Cmd) calls
 * \`onRun\`; Tab indents, and Escape then Tab leaves the editor (CodeMirror's rule).
 * Tokens get CSS classes (tok-keyword, …): the site's stylesheet colours them.
 */
export function createEditor(parent, doc, { onRun, onChange, label }) {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        lineNumbers(), history(), drawSelection(), indentOnInput(), bracketMatching(),
        highlightActiveLine(), highlightActiveLineGutter(), indentUnit.of("    "),
        syntaxHighlighting(classHighlighter), new LanguageSupport(pythonLanguage),
        keymap.of([{ key: "Mod-Enter", run: () => { onRun(); return true; } },
          ...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.contentAttributes.of({ "aria-label": label }),
        EditorView.updateListener.of((update) => { if (update.docChanged) onChange(); }),
      ],
    }),
  });
  return {
    view,
    get code() { return view.state.doc.toString(); },
    set code(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    focus() { view.focus(); },
    /** Put the cursor on line \`n\` (1-based) and scroll it into view. */
    goToLine(n) {
      const line = view.state.doc.line(Math.max(1, Math.min(n, view.state.doc.lines)));
      view.dispatch({ selection: { anchor: line.from }, scrollIntoView: true });
    },
  };
}
`;

const result = await build({
  stdin: { contents: entry, resolveDir: root, loader: "js" },
  bundle: true,
  format: "esm",
  minify: true,
  legalComments: "eof",
  target: ["es2020"],
  write: false,
});
const code = result.outputFiles[0].contents;
mkdirSync(out, { recursive: true });
const write = (name, data) => {
  writeFileSync(join(out, `.${name}.tmp`), data);
  renameSync(join(out, `.${name}.tmp`), join(out, name));
};
write("editor.min.js", code);
write("package.json", `${JSON.stringify({
  name: "downhill-editor",
  version,
  description: "CodeMirror 6 for Downhill's Python cells (scripts/editor-bundle.mjs)",
  license: "MIT",
  private: true,
}, null, 2)}\n`);
console.log(`editor-bundle: ${out}/editor.min.js (${(code.length / 1024).toFixed(0)} KB, ${(gzipSync(code, { level: 9 }).length / 1024).toFixed(1)} KB gzip)`);
