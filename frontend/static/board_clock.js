// The board's clock: the gates' clock (Asia/Ho_Chi_Minh, named beside it by the page), not
// the device's: a Chinese driver's phone is an hour ahead, and a yard's screen may never have
// been set. It starts from the server's time sent with the page (data-now, milliseconds) and
// runs on the device's clock from there.
import { el, languages, wall } from "./board_words.js";

export function startClock(root) {
  const skew = Number(root.dataset.now || Date.now()) - Date.now();
  const zone = root.dataset.zone || "Asia/Ho_Chi_Minh";
  const clock = document.getElementById("clock");
  const date = document.getElementById("clock-date");
  // hourCycle h23: midnight is 00:00 in every language (en-GB's "24:00" in some engines).
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit",
  });
  const days = languages.map((lang) => new Intl.DateTimeFormat(lang, {
    timeZone: zone, weekday: "long", day: "numeric", month: "long", year: "numeric",
  }));
  const offset = (clock.getAttribute("datetime") || "").slice(16); // "+07:00", as the server wrote it
  let shownMinute = "";

  function tick() {
    const now = new Date(Date.now() + skew);
    const p = Object.fromEntries(parts.formatToParts(now).map((part) => [part.type, part.value]));
    const minute = `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
    if (minute !== shownMinute) {
      shownMinute = minute;
      clock.textContent = `${p.hour}:${p.minute}`;
      clock.setAttribute("datetime", minute + offset);
      const lines = days.map((format, n) => el("span", { lang: languages[n] }, format.format(now)));
      date.replaceChildren(...(wall ? lines.flatMap((node, n) => (n ? [" ", node] : [node])) : lines));
    }
    // The next tick just after the next second: a minute shown changes within a second.
    setTimeout(tick, 1000 - ((Date.now() + skew) % 1000) + 20);
  }
  tick();
}
