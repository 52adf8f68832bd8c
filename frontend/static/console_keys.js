// The console for the keyboard (documented on the page, #shortcuts): N calls the next truck,
// I starts an inspection, D goes to a decision, / to the search; the first Tab reaches a
// link to "call next" (to the trucks at the lanes, for an officer who calls none); after an
// action the focus goes where the work goes on.
// Keys are never taken from someone typing: a key pressed in a field is the field's
// (Vietnamese input methods build words from these very letters), and a key with a modifier
// is the browser's. Esc leaves a field, so the shortcuts work again.

const NEXT = "console-next-focus";  // sessionStorage: where the focus goes after a post

function typing(target) {
  return target instanceof Element &&
    target.closest("input, select, textarea, [contenteditable]:not([contenteditable=false])") !== null;
}

function callButton() {
  return document.querySelector("#lanes button[data-call]:not([disabled])");
}

// The truck the officer is on (the row holding the focus), else the first that has it.
function pick(selector) {
  const active = document.activeElement;
  const row = active && active.closest ? active.closest("#at-lanes tr[data-booking]") : null;
  return (row && row.querySelector(selector)) || document.querySelector(`#at-lanes ${selector}`);
}

function press(button) {
  if (!button || button.disabled) return false;
  button.click();
  return true;
}

function focus(element) {
  if (!element) return false;
  element.focus();
  return true;
}

const SHORTCUTS = {
  n: () => press(callButton()),
  i: () => press(pick('form[action$="/inspection"] button')),
  d: () => focus(pick("form.decision select[name=decision]")),
  "/": () => focus(document.getElementById("console-q")),
};

// Where the work goes on after a form was sent: a truck called is inspected next, one being
// inspected is decided on, and after a decision the next truck is called.
function nextAfter(form) {
  const row = form.closest("tr[data-booking]");
  const action = form.getAttribute("action") || "";
  if (row && action.endsWith("/inspection")) {
    return `#at-lanes tr[data-booking="${row.dataset.booking}"] select[name=decision]`;
  }
  if (action.endsWith("/call")) return '#at-lanes form[action$="/inspection"] button';
  if (action.endsWith("/decision")) return "#at-lanes form.decision select[name=decision]";
  return null;
}

export function keyboard() {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.repeat || event.isComposing) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const shortcut = SHORTCUTS[event.key.toLowerCase()];
    if (shortcut && shortcut()) event.preventDefault();
  });

  // The first Tab: to "call next" for those who call, else to the first truck's form.
  const skip = document.getElementById("skip-to-work");
  skip.addEventListener("click", (event) => {
    const target = skip.getAttribute("href") === "#lanes" ? callButton()
      : document.querySelector("#at-lanes select, #at-lanes button");
    if (focus(target)) event.preventDefault();
  });

  document.addEventListener("submit", (event) => {
    if (event.defaultPrevented || !event.target.closest("#yard")) return;
    const next = nextAfter(event.target);
    if (next) sessionStorage.setItem(NEXT, next);
  });

  // Back from a post (post, redirect, get): on to the next step, else to "call next";
  // after a refusal the message is read first and the focus stays at the top.
  const after = sessionStorage.getItem(NEXT);
  sessionStorage.removeItem(NEXT);
  if (after !== null && !document.querySelector(".flash.error")) {
    focus(document.querySelector(after)) || focus(callButton());
  }
}
