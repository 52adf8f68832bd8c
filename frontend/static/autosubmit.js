// A choice in a filter form (gate, direction, day) reloads the calendar at once. Attached
// here rather than in onchange="…" attributes: the pages' CSP runs no inline script.
for (const field of document.querySelectorAll("[data-autosubmit]")) {
  field.addEventListener("change", () => field.form.submit());
}
