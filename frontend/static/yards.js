// The yard console refreshes its list of trucks by short polling of its own part (there is
// no yard channel): every few seconds, and at once when the tab comes back. It never
// replaces the part while someone is using a control in it, and the check-in form sits
// outside the part, so a half-typed plate is never wiped.
const part = document.getElementById("yard-trucks");
const yard = part.dataset.yard;
const EVERY_MS = 5000;

async function refresh() {
  const active = document.activeElement;
  if (active && part.contains(active) && active !== document.body) return;
  try {
    const response = await fetch(`/yards/${yard}?partial=1`, { credentials: "same-origin" });
    if (response.status === 200 && !response.redirected) {
      part.innerHTML = await response.text();
    } else if (response.redirected || response.status === 403) {
      location.reload();  // signed out or no longer allowed: the page itself says where to go
    }
  } catch (_) { /* offline for a moment: the next round tries again */ }
}
setInterval(() => { if (!document.hidden) refresh(); }, EVERY_MS);
document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
