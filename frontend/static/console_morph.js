// The console's live refresh, applied around the officer: the yard part as the server renders
// it now is merged into the page node by node, so what did not change stays the very same
// element (a button under the pointer is not swapped for a copy, which would lose the click)
// and a form the officer is using is not touched at all: a decision chosen, a reason being
// typed, the focus and the caret all stay. A form whose truck has moved on is kept, marked
// out of date, while it holds the officer's input; the next refresh after that tidies up.

// The forms as the server last rendered them: a form kept for the officer is compared with
// its new rendering to know whether a later refresh must bring it up to date.
const rendered = new WeakMap();

// Which element of the old page a new one stands for, among its siblings: its id, the
// truck, order, pending read or yard visit it shows, or a form's action (one form per
// action and truck). Unkeyed nodes (cells, text) are matched by their place.
function keyOf(node) {
  if (node.nodeType !== Node.ELEMENT_NODE) return null;
  const d = node.dataset;
  const key = node.id || d.booking || d.order || d.waiting || d.pending || d.call ||
    (node.tagName === "FORM" ? node.getAttribute("action") : "");
  return key ? `${node.tagName}:${key}` : null;
}

// Input the officer has given that the server has not seen: a value, a choice or a tick
// that differs from what the form was rendered with.
function unsaved(form) {
  for (const field of form.elements) {
    if (field.type === "hidden" || field.tagName === "BUTTON" || field.tagName === "FIELDSET") continue;
    if (field.tagName === "SELECT") {
      const rendered = [...field.options].findIndex((o) => o.defaultSelected);
      if (field.selectedIndex !== Math.max(rendered, 0)) return true;
    } else if (field.type === "checkbox" || field.type === "radio") {
      if (field.checked !== field.defaultChecked) return true;
    } else if (field.value !== field.defaultValue) {
      return true;
    }
  }
  return false;
}

function focused(node) {
  const active = document.activeElement;
  return active !== null && active !== document.body && node.contains(active);
}

// A form the officer is using now: left exactly as it is by a refresh.
function inUse(form) {
  return focused(form) || unsaved(form) || form.matches(":hover");
}

// A node a refresh must not remove though the server no longer renders it: it holds the
// focus, or a form with the officer's input.
function holdsWork(node) {
  if (node.nodeType !== Node.ELEMENT_NODE) return false;
  if (focused(node)) return true;
  const forms = node.tagName === "FORM" ? [node] : node.querySelectorAll("form");
  return [...forms].some(unsaved);
}

// The attributes as rendered now, but for what the officer set: a <details> they opened
// or closed stays so.
function syncAttributes(old, fresh) {
  const theirs = old.tagName === "DETAILS" ? "open" : null;
  for (const { name } of [...old.attributes]) {
    if (!fresh.hasAttribute(name) && name !== theirs) old.removeAttribute(name);
  }
  for (const { name, value } of fresh.attributes) {
    if (name !== theirs && old.getAttribute(name) !== value) old.setAttribute(name, value);
  }
}

class Merge {
  constructor(goneNote) {
    this.goneNote = goneNote;  // said of what is kept though gone
    this.behind = false;  // something kept for the officer is out of date
  }

  node(old, fresh) {
    if (old.nodeType !== Node.ELEMENT_NODE) {
      if (old.nodeValue !== fresh.nodeValue) old.nodeValue = fresh.nodeValue;
      return;
    }
    if ("gone" in old.dataset) {  // rendered again: no longer out of date
      delete old.dataset.gone;
      old.removeAttribute("title");
    }
    if (old.tagName === "FORM") {
      const html = fresh.outerHTML;
      if (inUse(old)) {
        if (rendered.get(old) !== html) this.behind = true;
        return;
      }
      const changed = rendered.get(old) !== html;
      rendered.set(old, html);
      syncAttributes(old, fresh);
      this.children(old, fresh);
      // Nothing unsaved was in it: its fields take the values rendered now.
      if (changed) old.reset();
      return;
    }
    syncAttributes(old, fresh);
    this.children(old, fresh);
  }

  children(into, from) {
    const keyed = new Map();
    for (const child of into.childNodes) {
      const key = keyOf(child);
      if (key) keyed.set(key, child);
    }
    let cursor = into.firstChild;
    for (const fresh of [...from.childNodes]) {
      const key = keyOf(fresh);
      let match = null;
      if (key) {
        match = keyed.get(key) || null;
        keyed.delete(key);
      } else if (cursor && !keyOf(cursor) && cursor.nodeName === fresh.nodeName) {
        match = cursor;
      }
      if (match === null) {
        remember(fresh);
        into.insertBefore(fresh, cursor);
        continue;
      }
      if (match === cursor) {
        cursor = cursor.nextSibling;
      } else if (focused(match)) {
        // Moving the element with the focus would drop it: move the others past it.
        const after = match.nextSibling;
        while (cursor !== match) {
          const next = cursor.nextSibling;
          into.insertBefore(cursor, after);
          cursor = next;
        }
        cursor = match.nextSibling;
      } else {
        into.insertBefore(match, cursor);
      }
      this.node(match, fresh);
    }
    // What is left is no longer rendered: gone, unless the officer is working in it.
    while (cursor) {
      const next = cursor.nextSibling;
      if (holdsWork(cursor)) {
        cursor.dataset.gone = "";
        cursor.title = this.goneNote;
        this.behind = true;
      } else {
        cursor.remove();
      }
      cursor = next;
    }
  }
}

// Note the forms of a part as rendered, before anyone types in them.
export function remember(root) {
  if (root.nodeType !== Node.ELEMENT_NODE) return;
  const forms = root.tagName === "FORM" ? [root] : root.querySelectorAll("form");
  for (const form of forms) rendered.set(form, form.outerHTML);
}

// Merge ``html`` (the yard part as rendered now) into ``root``; ``goneNote``: the title of
// what is kept though no longer rendered. True when something was kept for the officer that
// is out of date: refresh again once they are done with it.
export function merge(root, html, goneNote) {
  const fresh = document.createElement("template");
  fresh.innerHTML = html;
  const merge = new Merge(goneNote);
  merge.children(root, fresh.content);
  return merge.behind;
}
