// Prints the CSV the page's Download CSV button writes for the figures JSON on stdin.
import { readFileSync } from "node:fs";
import { csvOf } from "../../static/csv.js";

process.stdout.write(csvOf(JSON.parse(readFileSync(0, "utf8"))));
