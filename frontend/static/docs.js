// Starts Swagger UI on the API docs pages (/schema, /schema/swagger; services/docs.py). A file,
// not an inline script: the platform's CSP runs none. The document's URL comes from the
// container's data-spec-url, so this file is the same for every deployment.
const container = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: container.dataset.specUrl,
  domNode: container,
  deepLinking: true,
  // The operationIds (createBooking…) are the names generated clients give the calls.
  displayOperationId: true,
  // The standalone preset's top bar is not loaded: a second bundle for a URL box we do not want.
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  // Never send our document to validator.swagger.io (and never leave this origin).
  validatorUrl: null,
});
