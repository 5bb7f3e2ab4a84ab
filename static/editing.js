// What cells and exercises share: the code editor (CodeMirror, loaded on first use) and a
// small element helper. Printed text is always text, never HTML.
import { EDITOR_URL } from "./config.js";

let editorModule = null;

/** The editor module, loaded once; a failed load can be tried again. */
export function loadEditor() {
  editorModule ??= import(EDITOR_URL).catch((err) => {
    editorModule = null;
    throw err;
  });
  return editorModule;
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
