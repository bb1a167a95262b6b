// Swagger UI on the server's own OpenAPI document (a separate file: no inline script).
window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });
