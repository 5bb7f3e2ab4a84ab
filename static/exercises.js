// Exercises: the reader writes code (or types an answer), Check sends it to the cells'
// worker, where engine.exercises grades it and says what is wrong. Hints come one at a
// time; the solution stays out of the page's text until asked for. Progress (attempted,
// solved, hints used, the reader's code) is kept in this browser only, per article.
import { element, openEditor, streamInto } from "./editing.js";

const MAX_SAVED_CODE = 20000; // characters of a reader's code kept between visits
const MAX_SAVED_ANSWER = 1000; // characters of a typed answer
const MAX_HINTS = 100; // hints an exercise can have had shown (its own count clamps further)
const MAX_EXERCISES = 500; // entries kept per article

const isText = (limit) => (value) => typeof value === "string" && value.length <= limit;
const isFlag = (value) => typeof value === "boolean";

/** What an exercise's stored progress may hold: each field and its check. Stored state is a
 * stranger's input (anything can write localStorage): what fails a check is dropped. */
const PROGRESS_FIELDS = {
  attempted: isFlag,
  solved: isFlag,
  solution: isFlag,
  hints: (value) => Number.isInteger(value) && value >= 0 && value <= MAX_HINTS,
  code: isText(MAX_SAVED_CODE),
  answer: isText(MAX_SAVED_ANSWER),
};

/** Stored progress as read: only ids that are text, only fields that pass their check. */
export function checkedProgress(raw) {
  const state = Object.create(null); // an id "__proto__" stays an id
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return state;
  for (const [id, entry] of Object.entries(raw).slice(0, MAX_EXERCISES)) {
    if (!entry || typeof entry !== "object" || Array.isArray(entry) || id.length > 200) continue;
    const kept = Object.fromEntries(Object.entries(PROGRESS_FIELDS)
      .filter(([field, valid]) => Object.hasOwn(entry, field) && valid(entry[field]))
      .map(([field]) => [field, entry[field]]));
    if (Object.keys(kept).length) state[id] = kept;
  }
  return state;
}

/** The reader's progress on this article's exercises, in localStorage (when allowed). */
export class Progress {
  constructor(key = `downhill:exercises:${location.pathname}`) {
    this.key = key;
    try {
      this.state = checkedProgress(JSON.parse(localStorage.getItem(key) || "{}"));
    } catch {
      this.state = {};
    }
    this.summary = document.querySelector(".exercises-progress");
  }

  get(id) {
    return this.state[id] ?? {};
  }

  update(id, changes) {
    this.state[id] = { ...this.get(id), ...changes };
    try {
      localStorage.setItem(this.key, JSON.stringify(this.state));
    } catch {
      // storage full or refused (private mode): progress lasts as long as the page
    }
    this.show();
  }

  /** The article's line: how many exercises are solved, attempted, and hints used. */
  show() {
    if (!this.summary) return;
    const total = Number(this.summary.dataset.count);
    const entries = Object.values(this.state);
    const solved = entries.filter((e) => e.solved).length;
    const tried = entries.filter((e) => e.attempted && !e.solved).length;
    const hints = entries.reduce((sum, e) => sum + (e.hints || 0), 0);
    if (!entries.some((e) => e.attempted || e.hints || e.solution)) return;
    const parts = [`${solved} of ${total} exercise${total > 1 ? "s" : ""} solved`];
    if (tried) parts.push(`${tried} attempted`);
    if (hints) parts.push(`${hints} hint${hints > 1 ? "s" : ""} used`);
    this.summary.textContent = `${parts.join(", ")} (kept in this browser only).`;
  }
}

export class Exercise {
  constructor(el, runner, progress) {
    this.el = el;
    this.id = el.id;
    this.runner = runner;
    this.progress = progress;
    const data = JSON.parse(el.querySelector(".exercise-data").textContent);
    this.exercise = data.exercise;
    this.starter = data.starter;
    this.timeout = data.timeout;
    this.typed = data.typed;
    this.editor = null;
    this.codeBox = el.querySelector(".exercise-code");
    this.input = el.querySelector(".exercise-input");
    this.result = el.querySelector(".exercise-result");
    this.outputBox = el.querySelector(".exercise-output");
    this.hintList = el.querySelector(".exercise-hints");
    this.hintTexts = [...el.querySelectorAll(".exercise-hint-text")];
    this.button = (name) => el.querySelector(`.exercise-${name}`);
    this.button("edit")?.addEventListener("click", () => this.edit());
    this.button("check").addEventListener("click", () => this.check());
    this.button("stop").addEventListener("click", () => this.runner.interrupt());
    this.button("hint")?.addEventListener("click", () => this.hint());
    this.button("solution-button")?.addEventListener("click", () => this.toggleSolution());
    this.button("reset")?.addEventListener("click", () => this.reset());
    this.codeBox?.addEventListener("dblclick", () => this.edit());
    this.input?.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        this.check();
      }
    });
    this.restore();
  }

  /** What the reader would submit now. */
  get answer() {
    if (this.typed) return this.input.value;
    return this.editor ? this.editor.code : (this.savedCode ?? this.starter);
  }

  restore() {
    const saved = this.progress.get(this.id);
    const hints = Math.min(saved.hints || 0, this.hintTexts.length);
    for (let k = 0; k < hints; k++) this.hint({ record: false });
    if (saved.solution) this.toggleSolution({ record: false });
    if (this.typed && saved.answer) this.input.value = saved.answer;
    if (!this.typed && saved.code && saved.code !== this.starter) {
      this.savedCode = saved.code;
      this.say("Your code from your last visit is kept: Edit shows it.");
    }
    if (saved.solved) this.mark("solved");
    else if (saved.attempted) this.mark("attempted");
  }

  mark(state) {
    this.el.dataset.progress = state;
    const label = this.el.querySelector(".exercise-state");
    label.textContent = state === "solved" ? "· solved" : state === "attempted" ? "· attempted" : "";
  }

  say(text) {
    this.result.textContent = text;
  }

  async edit() {
    if (this.editor) {
      this.editor.focus();
      return;
    }
    const editor = await openEditor(this.codeBox, this.savedCode ?? this.starter, {
      onRun: () => this.check(),
      onChange: () => this.codeChanged(),
      label: `Your code for exercise ${this.id}: Ctrl+Enter checks it; Escape then Tab leaves`,
    }, (text) => this.say(text));
    if (!editor) return;
    this.editor = editor;
    this.button("edit").hidden = true;
    this.button("reset").hidden = false;
    this.say("Editing: Check (or Ctrl+Enter) grades your code.");
    this.editor.focus();
  }

  codeChanged() {
    clearTimeout(this.saving);
    this.saving = setTimeout(() => {
      const code = this.editor.code;
      if (code.length <= MAX_SAVED_CODE) this.progress.update(this.id, { code });
    }, 400);
  }

  /** Grade the reader's answer in the cells' worker; say the verdict. */
  async check() {
    const answer = this.answer;
    if (!answer.trim()) {
      this.say(this.typed ? "Type your answer first." : "Write your code first.");
      return null;
    }
    this.el.dataset.state = "checking";
    this.button("stop").hidden = false;
    this.say(this.runner.settled ? "Checking…"
      : "Python is starting (the first time only): your answer is graded when it is ready…");
    this.outputBox.replaceChildren();
    this.outputBox.hidden = true;
    const answerOf = await this.runner.grade(this.exercise, answer, {
      timeout: this.timeout,
      onStream: (name, text) => {
        this.outputBox.hidden = false;
        streamInto(this.outputBox, name, text);
      },
      onStatus: (text) => this.say(text),
    });
    this.button("stop").hidden = true;
    this.el.dataset.state = "checked";
    const record = this.typed ? { answer } : (answer.length <= MAX_SAVED_CODE ? { code: answer } : {});
    if (answerOf.failed) {
      this.say(answerOf.failed);
      return answerOf;
    }
    const { passed, message } = answerOf.verdict;
    const solved = passed || Boolean(this.progress.get(this.id).solved);
    this.progress.update(this.id, { ...record, attempted: true, solved });
    this.mark(solved ? "solved" : "attempted");
    this.el.dataset.verdict = passed ? "passed" : "failed";
    this.say(passed ? `✓ ${message}` : `✗ ${message}`);
    this.el.dispatchEvent(new CustomEvent("downhill:graded", { detail: answerOf.verdict }));
    return answerOf;
  }

  /** Reveal the next hint. */
  hint({ record = true } = {}) {
    const shown = this.hintList.children.length;
    if (shown >= this.hintTexts.length) return;
    const item = element("li");
    item.append(this.hintTexts[shown].content.cloneNode(true));
    this.hintList.append(item);
    const button = this.button("hint");
    const next = shown + 1;
    if (next >= this.hintTexts.length) button.hidden = true;
    else button.textContent = `Show a hint (${next + 1} of ${this.hintTexts.length})`;
    if (record) {
      this.progress.update(this.id, { hints: next });
      item.tabIndex = -1;
      item.focus();
    }
  }

  /** Show (or hide again) the author's solution, which is not in the page's text before. */
  toggleSolution({ record = true } = {}) {
    const box = this.el.querySelector(".exercise-solution");
    const button = this.button("solution-button");
    if (!box.childElementCount) {
      box.append(this.el.querySelector(".exercise-solution-text").content.cloneNode(true));
    }
    box.hidden = !box.hidden;
    button.setAttribute("aria-expanded", String(!box.hidden));
    button.textContent = box.hidden ? "Show the solution" : "Hide the solution";
    if (record && !box.hidden) this.progress.update(this.id, { solution: true });
  }

  reset() {
    if (this.el.dataset.state === "checking") this.runner.interrupt();
    if (this.editor) this.editor.code = this.starter;
    this.savedCode = null;
    this.progress.update(this.id, { code: this.starter });
    this.say("The starting code is back.");
  }
}
