// The console refreshes its yard from the officer channel: on each message it fetches the
// yard part of the page again (server-rendered, with the page's search and filter) and
// merges it in around the officer (console_morph.js): nothing they are typing, choosing or
// pointing at is redrawn, while the queue and the lanes around it follow the gate.
import { merge, remember } from "./console_morph.js";
import { keyboard } from "./console_keys.js";

const yard = document.getElementById("yard");
const gate = yard.dataset.gate;
const status = document.getElementById("console-connection");
const search = document.getElementById("console-search");
const words = JSON.parse(document.getElementById("console-words").textContent);
let pending = null;
let asked = 0;  // refreshes asked for; an answer older than one already merged is dropped
let merged = 0;
// When a pointer went down (null: none is): the click it starts must land on what it
// pressed. A press held longer than a few seconds (released outside the window) no
// longer holds the refresh back.
let pressedAt = null;
function pressed() { return pressedAt !== null && Date.now() - pressedAt < 3000; }

function later(delay) { clearTimeout(pending); pending = setTimeout(refresh, delay); }

// The page's query (direction, q, mine) as the search form holds it now.
function query() {
  const params = new URLSearchParams(new FormData(search));
  for (const [name, value] of [...params]) if (!value) params.delete(name);
  return params;
}

async function refresh() {
  if (pressed()) { later(300); return; }
  const params = query();
  params.set("partial", "yard");
  const number = ++asked;
  const response = await fetch(`/console/${gate}?${params}`, { credentials: "same-origin" });
  if (!response.ok) return;  // a search the server refuses: the box says why on submit
  const html = await response.text();
  if (number < merged) return;
  if (pressed()) { later(300); return; }
  merged = number;
  // Something kept for the officer is out of date: again once they are done with it.
  if (merge(yard, html, words.truck_changed)) later(2000);
  checkDecisions(yard);
}

// A decision form is sent only with a decision chosen, and a hold or a rejection only with a
// reason: said in the page's language by the browser's own check of the form.
function checkDecision(form) {
  const decision = form.elements.decision;
  const reason = form.elements.reason;
  decision.setCustomValidity(decision.value ? "" : words.decision_not_chosen);
  const bare = ["held", "rejected"].includes(decision.value) && reason && !reason.value.trim();
  if (reason) reason.setCustomValidity(bare ? words.decision_needs_reason : "");
}
function checkDecisions(root) { root.querySelectorAll("form.decision").forEach(checkDecision); }
for (const kind of ["input", "change"]) {
  yard.addEventListener(kind, (event) => {
    const form = event.target.closest("form.decision");
    if (form) checkDecision(form);
  });
}

// A form of the console goes back to the same search (services/web/console.py::here_of).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (event.defaultPrevented || form.method !== "post" || !form.closest("main")) return;
  for (const [name, value] of query()) {
    if (name === "direction" || form.elements[name]) continue;
    const carried = document.createElement("input");
    carried.type = "hidden"; carried.name = name; carried.value = value;
    form.append(carried);
  }
});

// Searching narrows the lists as the officer types, without leaving the page (the address
// follows, so a reload or a shared link shows the same); without the script the form is an
// ordinary GET.
let typingTimer = null;
function searchNow() {
  const params = query();
  history.replaceState(null, "", `${location.pathname}?${params}`);
  later(0);
}
search.addEventListener("submit", (event) => { event.preventDefault(); searchNow(); });
search.addEventListener("input", () => { clearTimeout(typingTimer); typingTimer = setTimeout(searchNow, 300); });

document.addEventListener("pointerdown", () => { pressedAt = Date.now(); }, true);
for (const kind of ["pointerup", "pointercancel"]) {
  document.addEventListener(kind, () => { pressedAt = null; }, true);
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
  socket.onmessage = () => { admitted = true; later(150); };
  socket.onclose = (event) => {
    // A stream that was running ended with its session (4401) or its post at this gate
    // (4403): the page itself says where to go. (Refused at once: keep trying, as before.)
    if (admitted && (event.code === 4401 || event.code === 4403)) { location.reload(); return; }
    status.dataset.state = "reconnecting"; status.textContent = "…"; setTimeout(connect, 1000);
  };
}

remember(yard);
checkDecisions(yard);
keyboard();
connect();
