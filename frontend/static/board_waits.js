// The wait over the last hours, per direction: one bar per hour, its height the median wait
// (from the statistics' rollups, sent with the board); a grey stub where too few trucks
// were called to publish a figure, nothing where none were.
import { el, label, word } from "./board_words.js";

const SVG = "http://www.w3.org/2000/svg";
const zone = document.getElementById("board")?.dataset.zone || "Asia/Ho_Chi_Minh";

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child);
  return node;
}

const hourOf = (iso) => new Date(iso).toLocaleTimeString("en-GB",
  { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone });

// A median is known only as the band of minutes it lies in (gate/statistics/public.py):
// "<5", "5–10", "≥1440"; its minutes (an estimate inside the band) size the bar.
function band(h) {
  if (h.median_from === null || h.median_from === undefined) return "—";
  if (h.median_to === null) return `≥${h.median_from}`;
  return h.median_from === 0 ? `<${h.median_to}` : `${h.median_from}–${h.median_to}`;
}

export function renderWaits(state) {
  const charts = (state.recent_waits || []).filter((c) => c.hours.some((h) => h.trucks));
  document.getElementById("wait-chart").hidden = charts.length === 0;
  document.getElementById("wait-charts").replaceChildren(...charts.map((chart) => {
    const top = Math.max(30, ...chart.hours.map((h) => h.median_minutes || 0));
    const width = 20;
    const bars = chart.hours.map((h, n) => {
      if (!h.trucks) return "";
      const height = h.median_minutes === null ? 4 : Math.max(2, (h.median_minutes / top) * 40);
      const shown = band(h);
      const soFar = h.complete === false ? ` (${label((tr) => tr("so_far"))})` : "";
      const kind = [h.median_minutes === null ? "few" : "", h.complete === false ? "so-far" : ""];
      return svg("g", { "data-hour": h.hour },
        svg("rect", { x: n * width + 2, y: 50 - height, width: width - 4, height,
          class: kind.join(" ").trim() }, svg("title", {}, `${hourOf(h.hour)}: ${shown}${soFar}`)),
        svg("text", { x: n * width + width / 2, y: 48 - height, "text-anchor": "middle" }, shown));
    });
    const hours = chart.hours;
    const axis = hours.length ? [
      svg("text", { x: 0, y: 62 }, hourOf(hours[0].hour)),
      svg("text", { x: hours.length * width, y: 62, "text-anchor": "end" }, hourOf(hours[hours.length - 1].hour)),
    ] : [];
    return el("figure", { "data-direction": chart.direction },
      el("figcaption", {}, ...word(chart.direction)),
      svg("svg", { viewBox: `0 0 ${hours.length * width} 64`, role: "img",
        "aria-label": label((tr) => `${tr("recent_wait")}: ${tr(chart.direction)}`) }, ...bars, ...axis));
  }));
}
