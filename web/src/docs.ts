/**
 * /docs: an interactive reference of /openapi.json. Swagger UI's self-contained bundle is built
 * into web/dist by Vite, so the page loads nothing from a CDN and works offline.
 */
import SwaggerUIBundle from "swagger-ui-dist/swagger-ui-es-bundle.js";
import "swagger-ui-dist/swagger-ui.css";

SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#reference",
  deepLinking: true,
  // "Try it out" sends real requests with the credentials entered under "Authorize".
  persistAuthorization: false,
});
