// The receipt's print button (frontend/templates/fees/receipt.html): the browser's own print,
// which frontend/static/receipt.css lays out on one sheet.
document.getElementById("print-receipt")?.addEventListener("click", () => window.print());
