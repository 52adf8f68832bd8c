// The gates page keeps its figures current without reloading itself: a timed reload (the
// meta refresh it had) moves a reader's place and focus every 30 s (WCAG 2.2.1; axe's
// "meta-refresh"). Every 30 s, while the tab is shown, it fetches itself and puts the fresh
// list in place of the old one, unless something in the list has the focus.
const list = document.querySelector(".gate-list");
const EVERY_MS = 30000;

async function refresh() {
  if (document.hidden || list.contains(document.activeElement)) return;
  try {
    const response = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.querySelector(".gate-list");
    if (fresh) list.replaceChildren(...fresh.childNodes);
  } catch (_) { /* offline for a moment: the next round tries again */ }
}
setInterval(refresh, EVERY_MS);
