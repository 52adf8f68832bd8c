// Drawing the public board from its state (gate/live/messages.py's PublicBoard). The parts
// are made once and then updated in place, each only when what it shows changed: the called
// trucks and the notices are live regions (a screen reader announces their changes), and a
// live region announces only when it was already in the page, and announces every
// replacement of its content, while the board is re-sent on any change at the gate.
import { renderWaits } from "./board_waits.js";
import { el, label, say, word } from "./board_words.js";

const shown = new WeakMap();

// ``node``'s children become ``build()``'s when ``key`` differs from what it shows.
function put(node, key, build) {
  if (shown.get(node) === key) return;
  shown.set(node, key);
  node.replaceChildren(...build());
}

const sections = new Map(); // a direction's parts, by direction

function section(direction) {
  let parts = sections.get(direction);
  if (parts) return parts;
  const id = `direction-${direction}`;
  parts = {
    called: el("ul", { class: "called-list", "aria-live": "polite" }),
    waiting: el("b", { class: "waiting-total" }, "0"),
    wait: el("span", { class: "wait" }),
    classes: el("ul", { class: "classes" }),
    lanes: el("p", { class: "lanes" }),
    free: el("ul", { class: "free" }),
  };
  // Who is called comes first: on the wall it is what a driver looks up for.
  parts.node = el("section", { class: "direction", "data-direction": direction, "aria-labelledby": id },
    el("h2", { id }, word(direction)),
    el("div", { class: "called-now" }, el("h3", {}, word("called")), parts.called),
    el("div", { class: "figures" },
      el("p", { class: "figure" }, el("span", { class: "label" }, word("waiting")), " ", parts.waiting),
      el("p", { class: "figure" }, el("span", { class: "label" }, word("est_wait")), " ", parts.wait)),
    parts.classes,
    parts.lanes,
    el("h3", {}, word("free_places")),
    parts.free);
  sections.set(direction, parts);
  return parts;
}

// A called truck: its masked plate (the board is public: gate/domain/plates.py masks it),
// the lane it goes to, and its booking code.
function calledTruck(c) {
  return el("li", { class: "called" },
    el("b", { class: "plate" }, c.plate),
    el("span", { class: "to-lane" }, el("span", { "aria-hidden": "true" }, "→ "),
      word("lane"), " ", el("b", { class: "lane-code" }, c.lane || "—")),
    el("span", { class: "booking" }, c.booking_code));
}

function renderDirection(d) {
  const parts = section(d.direction);
  put(parts.called, JSON.stringify(d.called), () => (d.called.length
    ? d.called.map(calledTruck) : [el("li", { class: "none" }, word("board_nobody_called"))]));
  put(parts.waiting, String(d.waiting_total), () => [String(d.waiting_total)]);
  const wait = d.estimated_wait_minutes;
  put(parts.wait, String(wait), () => (wait === null
    ? [el("b", { class: "est-wait" }, "—")]
    : [el("b", { class: "est-wait" }, String(wait)), " ", el("span", { class: "unit" }, word("minutes"))]));
  put(parts.classes, JSON.stringify(d.waiting), () => Object.entries(d.waiting).map(([k, v]) =>
    el("li", {}, word(k), ": ", el("b", {}, String(v)))));
  put(parts.lanes, JSON.stringify(d.lanes), () => [
    el("span", { class: "label" }, word("lanes_open")), `: ${d.lanes_open}/${d.lanes.length} `,
    // A shut lane is struck through, and says so in words for who does not see it.
    ...d.lanes.map((l) => el("span", { class: `lane ${l.is_open ? "open" : "shut"}` }, l.code,
      l.is_open ? "" : el("span", { class: "sr-only" }, ` (${label((tr) => tr("closed"))})`)))]);
  put(parts.free, JSON.stringify(d.free_places), () => d.free_places.map((p) =>
    el("li", {}, el("span", { class: "hour" }, p.starts_at.slice(11, 16)), " ",
      el("b", {}, p.closed ? word("closed") : String(p.remaining)))));
  return parts.node;
}

function renderDirections(state) {
  const container = document.getElementById("directions");
  const wanted = state.directions.map(renderDirection);
  // Moved only when the order changed: a live region taken out of the page is a new one.
  const same = wanted.length === container.children.length
    && wanted.every((node, n) => container.children[n] === node);
  if (!same) container.replaceChildren(...wanted);
}

function renderNotices(state) {
  document.getElementById("notices-box").hidden = state.notices.length === 0;
  put(document.getElementById("notices"), JSON.stringify(state.notices.map((n) => [n.id, n.text])),
    () => state.notices.map((n) => el("li", {}, n.text)));
}

function renderPaused(state) {
  const paused = document.getElementById("paused");
  paused.hidden = !state.paused;
  const reason = state.paused_reason || "";
  put(paused, state.paused ? `paused:${reason}` : "", () => (state.paused
    ? say((tr) => (reason ? `${tr("paused")}: ${reason}` : tr("paused"))) : []));
}

// The waiting yards that serve the gate and the trucks on their way: counts only.
function renderRoad(state) {
  const yards = state.yards || [];
  document.getElementById("road").hidden = yards.length === 0 && !state.on_the_way;
  put(document.getElementById("yards"), JSON.stringify(yards), () => yards.map((y) =>
    el("li", { class: "yard", "data-yard": y.code },
      el("span", { class: "yard-name" }, y.name),
      el("b", { class: "occupancy" }, `${y.in_yard}/${y.capacity}`),
      el("meter", { min: "0", max: String(Math.max(y.capacity, 1)), value: String(y.in_yard),
        high: String(Math.max(y.capacity, 1) * 0.9), "aria-label": label((tr) => `${y.name}: ${tr("board_occupancy")}`) }),
      y.dispatched ? el("span", { class: "muted" }, say((tr) => `${tr("dispatched")}: ${y.dispatched}`)) : "",
      y.open ? "" : el("span", { class: "badge paused" }, word("closed")))));
  document.getElementById("on-the-way").textContent = String(state.on_the_way || 0);
}

export function render(state) {
  renderPaused(state);
  renderNotices(state);
  renderDirections(state);
  renderRoad(state);
  renderWaits(state);
  const accuracy = state.forecast_accuracy;
  put(document.getElementById("accuracy"), JSON.stringify(accuracy), () => (accuracy.samples
    ? say((tr) => `${tr("forecast_error")}: ±${accuracy.mean_absolute_error_minutes} ${tr("minutes")} (${accuracy.samples})`)
    : []));
}
