// The public live board: a websocket that starts with a snapshot, then applies deltas in
// sequence; on any break it reconnects with ?since=<last seq> and says so on screen.
const root = document.getElementById("board");
const gate = root.dataset.gate;
// The page's words ride in a JSON data block: the CSP runs no inline script.
const words = JSON.parse(document.getElementById("i18n")?.textContent || "{}");
const t = (key) => words[key] || key;
const connection = document.getElementById("connection");
let state = null;
let seq = null;
let lastMessageAt = null;
let backoff = 250;

function setConnection(kind) {
  connection.dataset.state = kind;
  if (kind !== "live") connection.textContent = t("reconnecting");
  else renderFreshness();
}

function renderFreshness() {
  if (connection.dataset.state !== "live" || lastMessageAt === null) return;
  const age = Math.round((Date.now() - lastMessageAt) / 1000);
  connection.textContent = `● ${t("live")} · ${t("updated")} ${age} ${t("seconds_ago")}`;
}
setInterval(renderFreshness, 1000);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

function render() {
  const paused = document.getElementById("paused");
  paused.hidden = !state.paused;
  paused.textContent = state.paused ? `${t("paused")}: ${state.paused_reason || ""}` : "";
  const notices = document.getElementById("notices");
  notices.replaceChildren(...state.notices.map((n) => el("li", {}, n.text)));
  const directions = document.getElementById("directions");
  directions.replaceChildren(...state.directions.map((d) => {
    const wait = d.estimated_wait_minutes === null ? "—" : `${d.estimated_wait_minutes} ${t("minutes")}`;
    const classes = Object.entries(d.waiting).map(([k, v]) => el("li", {}, `${t(k)}: `, el("b", {}, String(v))));
    const called = d.called.map((c) =>
      el("li", { class: "called" }, el("b", { class: "plate" }, c.plate), ` ${c.booking_code} → ${t("lane")} ${c.lane || "—"}`));
    const lanes = d.lanes.map((l) => el("span", { class: `lane ${l.is_open ? "open" : "shut"}` }, l.code));
    const free = d.free_places.map((p) =>
      el("li", {}, `${p.starts_at.slice(11, 16)} `, el("b", {}, p.closed ? t("closed") : String(p.remaining))));
    return el("section", { class: "direction", "data-direction": d.direction },
      el("h2", {}, t(d.direction)),
      el("p", { class: "big" }, `${t("waiting")}: `, el("b", { class: "waiting-total" }, String(d.waiting_total))),
      el("ul", { class: "classes" }, ...classes),
      el("p", {}, `${t("est_wait")}: `, el("b", { class: "est-wait" }, wait)),
      el("h3", {}, t("called")), el("ul", { class: "called-list" }, ...called),
      el("p", {}, `${t("lanes_open")}: ${d.lanes_open}/${d.lanes.length} `, ...lanes),
      el("h3", {}, t("free_places")), el("ul", { class: "free" }, ...free));
  }));
  renderRoad();
  renderWaits();
  const accuracy = state.forecast_accuracy;
  document.getElementById("accuracy").textContent = accuracy.samples
    ? `${t("forecast_error")}: ±${accuracy.mean_absolute_error_minutes} ${t("minutes")} (${accuracy.samples})` : "";
}

// The waiting yards that serve the gate and the trucks on their way: counts only.
function renderRoad() {
  const yards = state.yards || [];
  document.getElementById("road").hidden = yards.length === 0 && !state.on_the_way;
  document.getElementById("yards").replaceChildren(...yards.map((y) => el("li", { class: "yard", "data-yard": y.code },
    el("span", { class: "yard-name" }, y.name),
    el("b", { class: "occupancy" }, `${y.in_yard}/${y.capacity}`),
    el("meter", { min: "0", max: String(Math.max(y.capacity, 1)), value: String(y.in_yard),
      high: String(Math.max(y.capacity, 1) * 0.9) }),
    y.dispatched ? el("span", { class: "muted" }, `${t("dispatched")}: ${y.dispatched}`) : "",
    y.open ? "" : el("span", { class: "badge paused" }, t("closed")))));
  document.getElementById("on-the-way").textContent = String(state.on_the_way || 0);
}

// The wait over the last hours, per direction: one bar per hour, its height the median wait
// (from the statistics' rollups, sent with the board); a grey stub where too few trucks
// were called to publish a figure, nothing where none were.
const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child);
  return node;
}
const hourOf = (iso) => new Date(iso).toLocaleTimeString("en-GB",
  { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });

// A median is known only as the band of minutes it lies in (gate/statistics/public.py):
// "<5", "5–10", "≥1440"; its minutes (an estimate inside the band) size the bar.
function band(h) {
  if (h.median_from === null || h.median_from === undefined) return "—";
  if (h.median_to === null) return `≥${h.median_from}`;
  return h.median_from === 0 ? `<${h.median_to}` : `${h.median_from}–${h.median_to}`;
}

function renderWaits() {
  const charts = (state.recent_waits || []).filter((c) => c.hours.some((h) => h.trucks));
  document.getElementById("wait-chart").hidden = charts.length === 0;
  document.getElementById("wait-charts").replaceChildren(...charts.map((chart) => {
    const top = Math.max(30, ...chart.hours.map((h) => h.median_minutes || 0));
    const width = 20;
    const bars = chart.hours.map((h, n) => {
      if (!h.trucks) return "";
      const height = h.median_minutes === null ? 4 : Math.max(2, (h.median_minutes / top) * 40);
      const label = band(h);
      const soFar = h.complete === false ? ` (${t("so_far")})` : "";
      const kind = [h.median_minutes === null ? "few" : "", h.complete === false ? "so-far" : ""];
      return svg("g", { "data-hour": h.hour },
        svg("rect", { x: n * width + 2, y: 50 - height, width: width - 4, height,
          class: kind.join(" ").trim() }, svg("title", {}, `${hourOf(h.hour)}: ${label}${soFar}`)),
        svg("text", { x: n * width + width / 2, y: 48 - height, "text-anchor": "middle" }, label));
    });
    const hours = chart.hours;
    const axis = hours.length ? [
      svg("text", { x: 0, y: 62 }, hourOf(hours[0].hour)),
      svg("text", { x: hours.length * width, y: 62, "text-anchor": "end" }, hourOf(hours[hours.length - 1].hour)),
    ] : [];
    return el("figure", { "data-direction": chart.direction },
      el("figcaption", {}, t(chart.direction)),
      svg("svg", { viewBox: `0 0 ${hours.length * width} 64`, role: "img",
        "aria-label": `${t("recent_wait")}: ${t(chart.direction)}` }, ...bars, ...axis));
  }));
}

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
  render();
  return true;
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const since = seq === null ? "" : `?since=${seq}`;
  // The boards' broadcast server when the platform runs one, else this host's endpoint.
  const base = root.dataset.liveUrl
    || (root.dataset.livePort ? `${scheme}://${location.hostname}:${root.dataset.livePort}` : `${scheme}://${location.host}`);
  const socket = new WebSocket(`${base}/ws/v1/gates/${gate}/board${since}`);
  window.boardSocket = socket; // tests cut it to show the reconnecting path
  socket.onopen = () => { backoff = 250; };
  socket.onmessage = (event) => {
    if (!apply(JSON.parse(event.data))) socket.close();
    else setConnection("live");
  };
  socket.onclose = (event) => {
    setConnection("reconnecting");
    // 1012 (service restart): this process is stopping and another serves the board now;
    // at once, spread over a second so that a crowd does not come back in one instant.
    setTimeout(connect, event.code === 1012 ? Math.random() * 1000 : backoff);
    backoff = Math.min(backoff * 2, 5000);
  };
}
connect();
