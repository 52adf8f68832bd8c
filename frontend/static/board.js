// The public live board: a websocket that starts with a snapshot, then applies deltas in
// sequence; on any break it reconnects with ?since=<last seq> and says so on screen.
//
// Back to "live" as soon as the connection is, with or without news. A board that comes
// back with ?since= is sent what it missed right after the handshake (the boards' server
// writes it before anything else: services/boards/server.py), a snapshot when the server no
// longer holds all of it, and nothing at all when it missed nothing: a quiet gate. So a
// socket that opened and that the server has not closed within SETTLE_MS shows a board that
// is current. (Not at once on opening: the server refuses after its handshake, an unknown
// gate with 4404, the database away with 1013, too many boards from one address; "live"
// must not flash up on a connection that is about to end.)
import { startClock } from "./board_clock.js";
import { render } from "./board_view.js";
import { say } from "./board_words.js";

const root = document.getElementById("board");
const gate = root.dataset.gate;
const connection = document.getElementById("connection");
const stateLine = connection.querySelector(".state");
const ageLine = connection.querySelector(".age");
const SETTLE_MS = 400;
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5000;
let state = null;
let seq = null;
let lastMessageAt = null; // when the board last changed (its last message)
let backoff = FIRST_BACKOFF_MS;
let retry = null; // the timer of the next attempt, while disconnected
let settle = null; // the timer that declares an opened socket current

function setConnection(kind) {
  if (connection.dataset.state !== kind) {
    connection.dataset.state = kind;
    // The state line is the live region: it changes only when the connection does.
    stateLine.replaceChildren(...(kind === "live" ? ["● ", ...say((tr) => tr("live"))] : say((tr) => tr("reconnecting"))));
  }
  renderFreshness();
}

// How long ago the board last changed; a quiet gate's board is current all the same.
function renderFreshness() {
  if (connection.dataset.state !== "live" || lastMessageAt === null) {
    ageLine.replaceChildren();
    return;
  }
  const age = Math.max(0, Math.round((Date.now() - lastMessageAt) / 1000));
  ageLine.replaceChildren("· ", ...say((tr) => (age < 120
    ? `${tr("updated")} ${age} ${tr("seconds_ago")}`
    : `${tr("updated")} ${Math.floor(age / 60)} ${tr("board_minutes_ago")}`)));
}
setInterval(renderFreshness, 1000);

function apply(message) {
  if (message.kind === "snapshot") {
    state = message.data;
  } else if (state !== null && message.prev === seq) {
    state = { ...state, ...message.data };
  } else {
    return false; // a gap: reconnect and catch up from the last seq we applied
  }
  seq = message.seq;
  lastMessageAt = Date.now();
  root.dataset.seq = String(seq);
  render(state);
  return true;
}

// The connection works: the board is current.
function live() {
  clearTimeout(settle);
  settle = null;
  backoff = FIRST_BACKOFF_MS;
  setConnection("live");
}

function connect() {
  retry = null;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const since = seq === null ? "" : `?since=${seq}`;
  // The boards' broadcast server when the platform runs one, else this host's endpoint.
  const base = root.dataset.liveUrl
    || (root.dataset.livePort ? `${scheme}://${location.hostname}:${root.dataset.livePort}` : `${scheme}://${location.host}`);
  const socket = new WebSocket(`${base}/ws/v1/gates/${gate}/board${since}`);
  window.boardSocket = socket; // tests cut it to show the reconnecting path
  socket.onopen = () => {
    // Without a board yet, the snapshot is what makes it live.
    if (seq !== null) settle = setTimeout(live, SETTLE_MS);
  };
  socket.onmessage = (event) => {
    if (!apply(JSON.parse(event.data))) socket.close();
    else live();
  };
  socket.onclose = (event) => {
    clearTimeout(settle);
    settle = null;
    setConnection("reconnecting");
    // 1012 (service restart): this process is stopping and another serves the board now;
    // at once, spread over a second so that a crowd does not come back in one instant.
    retry = setTimeout(connect, event.code === 1012 ? Math.random() * 1000 : backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  };
}

// The device's network is back (a wall screen's Wi-Fi): try now, not after the backoff.
window.addEventListener("online", () => {
  if (retry !== null) {
    clearTimeout(retry);
    connect();
  }
});

startClock(root);
connect();
