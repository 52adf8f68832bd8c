// The board's words (services/web/wall.py): the page's language, and on the yard's wall a
// second one beside it, Vietnamese and Chinese, each in an element marked with its language
// (a screen reader reads each in its own voice). They ride in a JSON data block: the CSP
// runs no inline script.
const data = JSON.parse(document.getElementById("i18n")?.textContent || "{}");
export const languages = data.languages || [document.documentElement.lang || "vi"];
const tables = data.words || [{}];
export const wall = languages.length > 1;

// One language's translator: a key missing from its catalogue reads as the key, as the
// server's Translator falls back.
const translators = tables.map((table) => (key) => table[key] || tables[0][key] || key);
export const t = translators[0];

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children.flat()) node.append(child);
  return node;
}

// A phrase built by ``build(t)`` in each of the page's languages: a text on the ordinary
// layout; on the wall one element per language in a ``.words`` span (a list of nodes
// either way, to spread into ``el``).
export function say(build) {
  if (!wall) return [build(t)];
  const spoken = translators.map((tr, n) => el("span", { lang: languages[n] }, build(tr)));
  return [el("span", { class: "words" }, ...spoken.flatMap((node, n) => (n ? [" ", node] : [node])))];
}

export const word = (key) => say((tr) => tr(key));

// A phrase for an attribute (an accessible name): the languages joined.
export const label = (build) => translators.map(build).join(" / ");
