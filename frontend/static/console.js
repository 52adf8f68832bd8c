// The console refreshes its yard from the officer channel: on each message it fetches the
// yard part of the page again (server-rendered, with fresh CSRF tokens in its forms).
const yard = document.getElementById("yard");
const gate = yard.dataset.gate;
const direction = yard.dataset.direction;
const status = document.getElementById("console-connection");
let pending = null;

async function refresh() {
  if (document.activeElement && yard.contains(document.activeElement) &&
      ["INPUT", "SELECT", "BUTTON", "TEXTAREA"].includes(document.activeElement.tagName)) {
    // Someone is typing or about to press a button in the part (dispatch, withdraw): keep
    // it as it is and try again shortly, so no keystroke or focus is lost to a redraw.
    clearTimeout(pending); pending = setTimeout(refresh, 2000); return;
  }
  const response = await fetch(`/console/${gate}?direction=${direction}&partial=yard`, { credentials: "same-origin" });
  if (response.ok) yard.innerHTML = await response.text();
}

// Minutes left on each dispatch order, counted down between refreshes; "late" once past.
function countDown() {
  for (const cell of yard.querySelectorAll("[data-deadline]")) {
    const left = Math.ceil((Date.parse(cell.dataset.deadline) - Date.now()) / 60000);
    cell.textContent = left > 0 ? String(left) : cell.dataset.lateWord;
    cell.parentElement.classList.toggle("late", left <= 0);
  }
}
setInterval(countDown, 15000);

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/v1/gates/${gate}/officer`);
  socket.onopen = () => { status.dataset.state = "live"; status.textContent = "●"; };
  let admitted = false;
  socket.onmessage = () => { admitted = true; clearTimeout(pending); pending = setTimeout(refresh, 150); };
  socket.onclose = (event) => {
    // A stream that was running ended with its session (4401) or its post at this gate
    // (4403): the page itself says where to go. (Refused at once: keep trying, as before.)
    if (admitted && (event.code === 4401 || event.code === 4403)) { location.reload(); return; }
    status.dataset.state = "reconnecting"; status.textContent = "…"; setTimeout(connect, 1000);
  };
}
connect();
