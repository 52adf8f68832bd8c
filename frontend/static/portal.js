// The portal's booking pages. A form marked data-once disables its button once sent, so a
// double click sends it once; the server answers a second post of the same form with the
// first one's booking anyway (services/web/form_once.py), this only spares the round trip.
for (const form of document.querySelectorAll("form[data-once]")) {
  form.addEventListener("submit", () => {
    const button = form.querySelector("button:not([type=button])");
    if (!button) return;
    // Disabled after this event: disabling it now would drop it from the form's data.
    setTimeout(() => {
      button.disabled = true;
      if (button.dataset.sending) button.textContent = button.dataset.sending;
    }, 0);
  });
}
// Coming back to a page kept by the browser (Back): its buttons work again.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  for (const button of document.querySelectorAll("form[data-once] button")) button.disabled = false;
});

document.getElementById("print-slip")?.addEventListener("click", () => window.print());

const copy = document.getElementById("copy-driver-link");
copy?.addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(copy.dataset.copy);
    copy.textContent = copy.dataset.copied;
  } catch {
    // No clipboard (an http page, a refusal): the link stays selectable on the page.
    const link = document.getElementById("driver-link-url");
    if (link) getSelection()?.selectAllChildren(link);
  }
});
