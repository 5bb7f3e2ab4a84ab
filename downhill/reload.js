// Downhill dev server: reload on a new build, show build errors over the page.
(() => {
  let version = null;
  const box = document.createElement("pre");
  box.setAttribute("role", "alert");
  box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:50vh;overflow:auto;margin:0;" +
    "padding:1rem;background:#300;color:#fdd;font:13px monospace;z-index:99999;white-space:pre-wrap";
  async function poll() {
    try {
      const status = await (await fetch("/__downhill/status", { cache: "no-store" })).json();
      if (version !== null && status.version !== version && !status.error) location.reload();
      version = status.version;
      if (status.error) { box.textContent = status.error; document.body.append(box); }
      else box.remove();
    } catch { /* server restarting */ }
    setTimeout(poll, 700);
  }
  poll();
})();
