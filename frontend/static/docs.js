// Starts Swagger UI on the API docs pages (/schema, /schema/swagger; services/docs.py). A file,
// not an inline script: the platform's CSP runs none. The document's URL comes from the
// container's data-spec-url, so this file is the same for every deployment.
const container = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: container.dataset.specUrl,
  domNode: container,
  // No deep links: Swagger UI draws each operation's path as a link inside the button that
  // opens it, a control inside a control that keyboards and screen readers cannot tell
  // apart (axe's nested-interactive); without deep linking the path is plain text.
  deepLinking: false,
  // The operationIds (createBooking…) are the names generated clients give the calls.
  displayOperationId: true,
  // Each tag closed until opened: 130-odd operations drawn open at once left Swagger UI
  // drawing only the first tag (issue 19's fees, payments and statements passed 128), and a
  // reader looks for one tag at a time.
  docExpansion: "none",
  // The standalone preset's top bar is not loaded: a second bundle for a URL box we do not want.
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  // Never send our document to validator.swagger.io (and never leave this origin).
  validatorUrl: null,
  // What Swagger UI's markup lacks, added once it has drawn: a name for its list of servers
  // (axe's select-name), and landmarks around the parts outside its own <main> (axe's
  // "region": the title and description are the page's banner, the servers and Authorize
  // a named region).
  onComplete: () => {
    const servers = document.getElementById("servers");
    if (servers) servers.setAttribute("aria-label", "Servers");
    container.querySelector(".information-container")?.setAttribute("role", "banner");
    const schemes = container.querySelector(".scheme-container");
    if (schemes) {
      schemes.setAttribute("role", "region");
      schemes.setAttribute("aria-label", "Servers and authorization");
    }
  },
});
