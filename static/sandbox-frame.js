// The cells' sandbox: the inline script of an iframe sandboxed to "allow-scripts" (an opaque
// origin: no access to the site's storage or the page) whose CSP allows no connection. It
// starts the cells' worker from the source the page sends and hands it the page's port,
// through which the worker asks the page for every file; the worker inherits both CSPs. A
// classic worker: Chromium starts no module worker from a blob in an opaque origin (the
// worker imports its modules with import(), which a classic worker has too).
(() => {
  let started = false;
  addEventListener("message", (event) => {
    const { data, ports } = event;
    if (event.source !== parent || started || data?.type !== "start" || !ports[0]) return;
    started = true;
    const say = (message) => parent.postMessage({ type: "failed", message }, "*");
    let worker;
    try {
      const source = new Blob([data.source], { type: "text/javascript" });
      worker = new Worker(URL.createObjectURL(source));
    } catch (err) {
      say(`the cells' sandbox could not start its worker: ${err.message || err}`);
      return;
    }
    worker.onerror = (error) => {
      error.preventDefault();
      say(error.message || "the cells' worker could not start");
    };
    worker.postMessage({ type: "start", config: data.config }, [ports[0]]);
  });
  parent.postMessage({ type: "sandbox-ready" }, "*");
})();
