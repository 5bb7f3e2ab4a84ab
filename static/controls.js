// Native form controls and the state they put in the page's address: what demos and
// interact cells share of their sliders and selects.

/** The value a control had in the page as built (a reader may have moved it since). */
export function initialValue(input) {
  if (input.tagName === "SELECT") {
    return [...input.options].find((option) => option.defaultSelected)?.value ?? input.value;
  }
  // The built value as the browser shows it (a range snaps it to min, max and step).
  const untouched = document.createElement("input");
  for (const { name, value } of input.attributes) untouched.setAttribute(name, value);
  return untouched.value;
}

/** The value a control stands for (a log slider moves over log10 of it). */
export function valueOf(input) {
  if (input.type === "range") {
    const raw = Number(input.value);
    if (input.dataset.scale !== "log") return raw;
    const value = Number((10 ** raw).toPrecision(4));
    return input.dataset.whole ? Math.round(value) : value;
  }
  // a select of whole values (a schedule with its constants), not of names
  if (input.dataset.json !== undefined) return JSON.parse(input.value);
  return input.value;
}

/** Show a control's value beside it and to assistive technology. */
export function showValue(input, value) {
  const output = input.parentElement.querySelector("output");
  if (output) output.textContent = String(value);
  if (input.type === "range") input.setAttribute("aria-valuetext", String(value));
}

/** Values from the URL, as the page was opened: ?BLOCK.KEY=VALUE for each control moved. */
export const urlState = new URLSearchParams(window.location.search);

/**
 * A value the link carries for a control, or null: one a range cannot show exactly (empty,
 * not a number, out of its range) is ignored, so the control keeps its built value.
 */
export function linkedValue(key, input) {
  const value = urlState.get(key);
  if (value === null || input.type !== "range") return value;
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number)) return null;
  if (number < Number(input.min) || number > Number(input.max)) return null;
  return value;
}

/**
 * Write `entries` (key → value, or null to remove) into the address without a reload;
 * returns the address with `#anchor`, for a "Link to this state".
 */
export function saveState(entries, anchor) {
  const params = new URLSearchParams(window.location.search);
  for (const [key, value] of entries) {
    if (value === null) params.delete(key);
    else params.set(key, value);
  }
  const query = params.toString();
  const url = `${window.location.pathname}${query ? `?${query}` : ""}${window.location.hash}`;
  window.history.replaceState(null, "", url);
  return `${url.split("#")[0]}#${anchor}`;
}
