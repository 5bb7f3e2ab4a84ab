// Keep the Plotly bundle that just loaded under another name (data-name), so that a page
// can load the 3-D bundle and the 2-D bundle side by side instead of the full one.
window[document.currentScript.dataset.name] = window.Plotly;
