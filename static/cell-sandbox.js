// The page's side of the cells' sandbox. A reader's code (an edited cell, an exercise's
// answer) runs in a worker inside an iframe sandboxed to "allow-scripts": an opaque origin,
// so it cannot open the site's Cache Storage, IndexedDB, cookies or localStorage, nor reach
// this page's DOM; and a CSP that allows no connection, so it cannot send a request. The
// worker asks this page for each file it needs over a MessagePort; the page fetches only
// the site's own files, the runtime's, and the packages its cells lock lists (each checked
// against the lock's sha256), GET or HEAD, and answers with the bytes. docs/design.md says why.

const SANDBOX_START_MS = 10000; // a sandbox that has not said it is ready by then failed

/** Hex sha256 → the base64 an integrity attribute takes. */
const integrityOf = (hex) => `sha256-${btoa(String.fromCharCode(
  ...hex.match(/../g).map((pair) => parseInt(pair, 16))))}`;

/** What the sandboxed worker may ask for: the site's and runtime's files, the lock's packages. */
export class FilePolicy {
  constructor({ site, runtime, lock }) {
    this.prefixes = [site, runtime].filter(Boolean);
    this.lockURL = lock;
    this.packages = null; // package file URL → integrity, once the lock is read
  }

  async locked() {
    if (!this.packages) {
      this.packages = fetch(this.lockURL, { credentials: "omit" })
        .then((response) => (response.ok ? response.json() : { packages: {} }))
        .then((lock) => new Map(Object.values(lock.packages || {})
          .filter((entry) => typeof entry.file_name === "string" && /^[0-9a-f]{64}$/.test(entry.sha256))
          .map((entry) => [new URL(entry.file_name, this.lockURL).href, integrityOf(entry.sha256)])))
        .catch(() => new Map());
    }
    return this.packages;
  }

  /** `{integrity}` for a URL the worker may fetch (a lock's package: its hash), else throws. */
  async check(url, method) {
    if (method !== "GET" && method !== "HEAD") throw new Error(`${method} requests are not allowed`);
    const target = new URL(url);
    if (target.username || target.password) throw new Error("addresses with credentials are not allowed");
    const integrity = (await this.locked()).get(target.href.split("#")[0]);
    if (integrity) return { integrity: method === "GET" ? integrity : "" };
    if (this.prefixes.some((prefix) => target.href.startsWith(prefix))) return { integrity: "" };
    throw new Error(`${target.href} is not one of this site's files`);
  }
}

/**
 * A Worker-like handle on the cells' worker in its sandbox: `postMessage`, `onmessage`,
 * `onerror`, `terminate` (which removes the iframe, and the worker with it).
 */
export class SandboxedWorker {
  constructor({ worker, sandbox, config, policy }) {
    this.onmessage = null;
    this.onerror = null;
    this.policy = policy;
    this.channel = new MessageChannel();
    this.channel.port1.onmessage = ({ data }) => {
      if (data?.type === "fetch") this.fetchFor(data);
      else this.onmessage?.({ data });
    };
    this.frame = document.createElement("iframe");
    this.frame.setAttribute("sandbox", "allow-scripts");
    this.frame.hidden = true;
    this.frame.title = "Python cells' sandbox";
    this.frame.setAttribute("aria-hidden", "true");
    this.frame.tabIndex = -1;
    this.frame.srcdoc = sandbox;
    const failed = (message) => this.onerror?.({ message, preventDefault() {} });
    const timer = setTimeout(() => failed("the cells' sandbox did not start"), SANDBOX_START_MS);
    this.listener = async (event) => {
      if (event.source !== this.frame.contentWindow) return;
      if (event.data?.type === "failed") failed(String(event.data.message));
      if (event.data?.type !== "sandbox-ready") return;
      clearTimeout(timer);
      try {
        const response = await fetch(worker);
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const source = await response.text();
        this.frame.contentWindow?.postMessage({ type: "start", source, config }, "*",
          [this.channel.port2]);
      } catch (err) {
        failed(`the cells' worker could not be downloaded (${err.message || err})`);
      }
    };
    addEventListener("message", this.listener);
    document.body.append(this.frame);
  }

  postMessage(message) {
    this.channel.port1.postMessage(message);
  }

  terminate() {
    removeEventListener("message", this.listener);
    this.channel.port1.close();
    this.frame.remove();
  }

  /** Answer the worker's request for a file, if the policy allows it. */
  async fetchFor({ id, url, method, integrity: asked }) {
    const reply = (message, transfer = []) => this.channel.port1.postMessage(
      { type: "fetched", id, ...message }, transfer);
    try {
      const { integrity } = await this.policy.check(String(url), String(method || "GET"));
      const response = await fetch(String(url), {
        method, credentials: "omit", redirect: "error", integrity: integrity || undefined,
      }).catch((err) => {
        throw new Error(integrity || asked ? `${err.message || err} (integrity: its file did ` +
          "not match the sha256 of the page's lock, or it could not be downloaded)" : err.message || err);
      });
      const body = method === "HEAD" ? null : await response.arrayBuffer();
      const headers = {};
      for (const name of ["content-type", "content-length"]) {
        const value = response.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      reply({ status: response.status, statusText: response.statusText, headers, body },
        body ? [body] : []);
    } catch (err) {
      reply({ error: String(err.message || err) });
    }
  }
}
