// The driver's page: polls its state with If-None-Match (a 304 costs no body), backs off
// when the network fails, says when it last heard from the platform; shares the position
// only after the driver presses the button, at most once every 30 s, while the page is open.
const root = document.getElementById("truck");
const words = JSON.parse(document.getElementById("words").textContent);
const word = (key) => words[key] || key;
const $ = (id) => document.getElementById(id);

const EVERY_MS = 5000;
const AT_MOST_MS = 60000;
const POSITION_EVERY_MS = 30000;
let etag = null;
let delay = EVERY_MS;

const hm = (iso) => (iso ? iso.slice(11, 16) : "—");
// The day as the page's language writes it, as the server does (services/web/locale_format.py):
// "1 thg 12", "Dec 1", "12月1日"; never 01/12 against 12/01.
const dayFormat = new Intl.DateTimeFormat(document.documentElement.lang || "vi",
  { day: "numeric", month: "short", timeZone: "Asia/Ho_Chi_Minh" });
const day = (iso) => (iso ? dayFormat.format(new Date(iso)) : "");

function show(id, visible) {
  $(id).hidden = !visible;
}

// Builds an element with an id and text: the server renders the same nodes (driver.html),
// and a line whose value is absent is emptied, so no bare label is left behind.
function node(tag, id, text) {
  const made = document.createElement(tag);
  if (id) made.id = id;
  made.textContent = text;
  return made;
}

function para(className, ...parts) {
  const made = document.createElement("p");
  made.className = className;
  made.append(...parts);
  return made;
}

function fill(id, parts) {
  $(id).replaceChildren(...(parts || []));
  show(id, Boolean(parts));
}

function render(s) {
  const order = s.road.dispatch_order;
  fill(
    "order",
    order && order.status === "open"
      ? [
          para("label", `${word("dispatch_order")} `, node("b", "order-code", order.code)),
          para("big", `${word("go_to_gate")} `, node("span", "order-gate", words[`gate_${order.gate}`] || order.gate_name)),
          para(
            "big",
            `${word("before")} `,
            node("time", "order-deadline", `${hm(order.deadline_at)} ${day(order.deadline_at)}`),
          ),
        ]
      : null,
  );
  $("step").textContent = word(s.step);
  $("step").dataset.step = s.step;
  $("status").textContent = word(s.status);
  $("status").dataset.status = s.status;
  $("slot").textContent = `${hm(s.slot_start)}–${hm(s.slot_end)} ${day(s.slot_start)}`;
  // The fee's status once paid (or refunded); its amount and invoice number never change.
  const fee = $("fee");
  if (fee && s.fee) {
    fee.dataset.feeStatus = s.fee.status;
    $("fee-status").textContent = word(`fee_sched_status_${s.fee.status}`);
    // The code to pay by is drawn while the fee is due: gone once it is paid (or cancelled).
    const pay = $("pay-code");
    if (pay) pay.hidden = s.fee.status !== "due";
  }
  const yard = s.road.yard;
  fill("yard-line", yard ? [`${word("waiting_yard")}: `, node("b", "yard", yard.name)] : null);
  const call = s.estimated_call_at
    ? [` · ${word("estimated_call")}: `, node("b", "call", hm(s.estimated_call_at))]
    : [];
  fill(
    "queue-line",
    s.place !== null
      ? [`${word("control_yard_place")}: `, node("b", "place", String(s.place)), ...call]
      : null,
  );
  const arrival = s.road.arrival;
  if (arrival) {
    const heading = word(arrival.destination === "yard" ? "heading_yard" : "heading_gate");
    const where = node("span", "arrival-where", `${heading} ${arrival.destination_name}`);
    const at = arrival.estimated_at ? [": ", node("b", "arrival", hm(arrival.estimated_at))] : [];
    fill("arrival-line", [where, ...at]);
  } else {
    fill("arrival-line", null);
  }
}

function heard() {
  const now = new Date();
  const time = now.toTimeString().slice(0, 8);
  $("updated").textContent = `${word("updated_at")} ${time}`;
  $("updated").dataset.state = "live";
}

async function poll() {
  try {
    const headers = etag ? { "If-None-Match": etag } : {};
    const answer = await fetch(root.dataset.stateUrl, { headers, cache: "no-store" });
    if (answer.status === 404 || answer.status === 410) {
      window.location.reload(); // the link opens nothing now: the server says so in words
      return;
    }
    if (answer.status === 200) {
      etag = answer.headers.get("ETag");
      render(await answer.json());
    } else if (answer.status !== 304) {
      throw new Error(`status ${answer.status}`);
    }
    heard();
    delay = EVERY_MS;
  } catch {
    delay = Math.min(delay * 2, AT_MOST_MS);
    $("updated").dataset.state = "retrying";
    $("updated").textContent = `${word("offline_retrying")} (${Math.round(delay / 1000)} s)`;
  }
  window.truckPoll = setTimeout(poll, delay);
}

// Sharing the position: opt-in, stops with the button, the page, or the truck at its gate.
let watch = null;
let lastSent = 0;

function stopSharing(message) {
  if (watch !== null) navigator.geolocation.clearWatch(watch);
  watch = null;
  show("share", true);
  show("stop", false);
  $("share-status").textContent = message || word("sharing_off");
}

async function send(position) {
  const now = Date.now();
  if (now - lastSent < POSITION_EVERY_MS) return;
  lastSent = now;
  const { latitude, longitude, accuracy } = position.coords;
  try {
    const answer = await fetch(root.dataset.positionUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ latitude, longitude, accuracy_m: accuracy ?? null }),
    });
    if (answer.ok) {
      const result = await answer.json();
      if (!result.stored) {
        stopSharing();
        return;
      }
      $("share-status").textContent = `${word("sharing_on")} ${hm(result.estimated_arrival_at)}`;
      $("share-status").dataset.sent = String(Number($("share-status").dataset.sent || 0) + 1);
      poll.now?.();
    } else if (answer.status === 404 || answer.status === 410) {
      stopSharing();
    } else {
      lastSent = 0; // refused or throttled: the next position from the watch tries again
    }
  } catch {
    lastSent = 0; // offline: the next position tries again
  }
}

$("share").addEventListener("click", () => {
  if (!("geolocation" in navigator)) {
    $("share-status").textContent = word("sharing_unsupported");
    return;
  }
  show("share", false);
  show("stop", true);
  $("share-status").textContent = word("sharing_on");
  watch = navigator.geolocation.watchPosition(send, () => stopSharing(word("sharing_denied")), {
    enableHighAccuracy: false,
    maximumAge: 30000,
  });
});
$("stop").addEventListener("click", () => stopSharing());

poll.now = () => {
  clearTimeout(window.truckPoll);
  poll();
};
window.truckPoll = setTimeout(poll, 0);
