// What cells and exercises share: the code editor (CodeMirror, loaded on first use) and a
// small element helper. Printed text is always text, never HTML.
import { EDITOR_URL } from "./config.js";

let editorModule = null;

/** The editor module, loaded once; a failed load can be tried again. */
function loadEditor() {
  editorModule ??= import(EDITOR_URL).catch((err) => {
    editorModule = null;
    throw err;
  });
  return editorModule;
}

/**
 * Replace `codeBox` by an editor holding `code` (CodeMirror, loaded on first use), with
 * CodeMirror's `options`; null, said through `say`, when it cannot load.
 */
export async function openEditor(codeBox, code, options, say) {
  say("Loading the editor…");
  let module;
  try {
    module = await loadEditor();
  } catch (err) {
    say(`The editor could not load (${err.message}).`);
    return null;
  }
  const box = element("div", "cell-editor");
  codeBox.after(box);
  codeBox.hidden = true;
  return module.createEditor(box, code, options);
}

export const element = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

/** Printed text of a run (stdout, stderr) into `box`, as it comes. */
export function streamInto(box, name, text) {
  const selector = name === "stderr" ? ".cell-stderr" : ".cell-stdout";
  let pre = box.querySelector(selector);
  if (!pre) {
    pre = element("pre", selector.slice(1));
    if (name === "stdout") box.prepend(pre);
    else box.append(pre);
  }
  pre.append(text);
}
