// A booking's live status for its enterprise: the enterprise stream (the session cookie
// authenticates it), reconnecting by itself.
const box = document.getElementById("live-status");
const bookingId = box.dataset.booking;
// The page's words ride in a JSON data block: the CSP runs no inline script.
const words = JSON.parse(document.getElementById("i18n")?.textContent || "{}");
const t = (key) => words[key] || key;
const AT_THE_LANE = ["called", "in_inspection", "held", "cleared"];
let state = null;
let seq = null;

function show() {
  const mine = (state?.vehicles || []).find((v) => v.booking_id === bookingId);
  // Gone from the stream (the booking ended) or older than the page: keep what the page shows.
  if (!mine || mine.version < Number(box.dataset.version)) return;
  box.dataset.version = String(mine.version);
  const status = box.querySelector(".status");
  status.textContent = t(mine.status);
  status.dataset.status = mine.status;
  box.querySelector(".position").textContent = mine.position ?? "—";
  box.querySelector(".eta").textContent = mine.estimated_call_at ? mine.estimated_call_at.slice(11, 16) : "—";
  // The lane the truck was called to, while it is at the lanes (AT_THE_LANE in
  // services/web/portal_booking_page.py): the driver must be told where to go.
  const lane = document.getElementById("lane-line");
  if (lane) {
    const atLane = AT_THE_LANE.includes(mine.status) && mine.lane;
    lane.hidden = !atLane;
    if (atLane) lane.querySelector(".lane-code").textContent = mine.lane;
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const since = seq === null ? "" : `?since=${seq}`;
  const socket = new WebSocket(`${scheme}://${location.host}/ws/v1/enterprise/vehicles${since}`);
  let admitted = false;
  socket.onmessage = (event) => {
    admitted = true;
    const message = JSON.parse(event.data);
    if (message.kind === "snapshot") state = message.data;
    else if (state && message.prev === seq) state = { ...state, ...message.data };
    else { socket.close(); return; }
    seq = message.seq;
    show();
  };
  // A running stream ended with the session (4401, 4403): reloading takes the browser to
  // sign in. (Refused at once: keep trying, as before.)
  socket.onclose = (event) => {
    if (admitted && (event.code === 4401 || event.code === 4403)) location.reload();
    else setTimeout(connect, 1000);
  };
}
connect();
