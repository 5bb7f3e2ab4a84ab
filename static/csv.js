// A demo's data as CSV: the rows of every trace the engine marked as data (a run's path,
// a sweep's rates), named as the legend and the summary name them.

/** A field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break. */
const csvField = (value) => {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** One row per point of each data trace: its chart, its name, its index (a run's step). */
export function csvOf(figures) {
  const rows = [["figure", "trace", "step", "x", "y", "z"]];
  figures.forEach((figure, i) => {
    for (const trace of figure.data) {
      if (!trace.meta || !(trace.meta.path || trace.meta.points)) continue;
      trace.x.forEach((x, k) => rows.push([i + 1, trace.name, k, x, trace.y[k],
        trace.z ? trace.z[k] : ""]));
    }
  });
  return `${rows.map((row) => row.map(csvField).join(",")).join("\r\n")}\r\n`;
}
