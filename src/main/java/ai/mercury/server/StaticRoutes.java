package ai.mercury.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.ext.web.Router;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The public pages and documents, all from memory: the demo page at {@code /}, Swagger UI at
 * {@code /docs}, their assets at {@code /static/{file}}, and the OpenAPI document at
 * {@code /openapi.yaml} (the source file as it is) and {@code /openapi.json} (the same document
 * converted once). Each carries an ETag and a Cache-Control ({@link StaticFile}). The files are read
 * once per process; the instance is immutable and shared by every HTTP verticle.
 */
final class StaticRoutes {
    static final String OPENAPI_RESOURCE = "openapi/openapi.yaml";
    private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";

    private static volatile StaticRoutes instance;

    private final StaticFile demo;
    private final StaticFile docs;
    private final StaticFile openApiYaml;
    private final StaticFile openApiJson;
    private final Map<String, StaticFile> assets;

    private StaticRoutes() {
        demo = StaticFile.resource("web/index.html", "text/html; charset=utf-8", StaticFile.REVALIDATE);
        docs = StaticFile.resource("web/docs.html", "text/html; charset=utf-8", StaticFile.REVALIDATE);
        openApiYaml = StaticFile.resource(OPENAPI_RESOURCE, "application/yaml; charset=utf-8", StaticFile.REVALIDATE);
        openApiJson = new StaticFile(openApiAsJson(), "application/json", StaticFile.REVALIDATE);
        Map<String, StaticFile> a = new LinkedHashMap<>();
        a.put("app.js", StaticFile.resource("web/app.js", "text/javascript; charset=utf-8", StaticFile.ASSET));
        a.put("app.css", StaticFile.resource("web/app.css", "text/css; charset=utf-8", StaticFile.ASSET));
        a.put("docs.js", StaticFile.resource("web/docs.js", "text/javascript; charset=utf-8", StaticFile.ASSET));
        String swagger = WEBJAR + swaggerUiVersion() + "/";
        a.put("swagger-ui-bundle.js", StaticFile.resource(swagger + "swagger-ui-bundle.js", "text/javascript; charset=utf-8", StaticFile.ASSET));
        a.put("swagger-ui.css", StaticFile.resource(swagger + "swagger-ui.css", "text/css; charset=utf-8", StaticFile.ASSET));
        a.put("swagger-ui-bundle.js.LICENSE.txt", StaticFile.resource(swagger + "swagger-ui-bundle.js.LICENSE.txt", "text/plain; charset=utf-8", StaticFile.ASSET));
        a.put("swagger-ui-LICENSE.txt", StaticFile.resource("web/licenses/swagger-ui.txt", "text/plain; charset=utf-8", StaticFile.ASSET));
        a.put("favicon.png", StaticFile.resource(swagger + "favicon-32x32.png", "image/png", StaticFile.ASSET));
        assets = Map.copyOf(a);
    }

    /** The one instance (files read on first use). */
    static StaticRoutes get() {
        StaticRoutes s = instance;
        if (s == null) {
            synchronized (StaticRoutes.class) {
                if (instance == null) instance = new StaticRoutes();
                s = instance;
            }
        }
        return s;
    }

    void mount(Router router) {
        router.get("/").handler(demo::serve);
        router.get("/docs").handler(docs::serve);
        router.get("/openapi.yaml").handler(openApiYaml::serve);
        router.get("/openapi.json").handler(openApiJson::serve);
        router.get("/static/:file").handler(ctx -> {
            StaticFile f = assets.get(ctx.pathParam("file"));
            if (f == null) throw new ApiException(404, "not_found", "no static file '" + shorten(ctx.pathParam("file")) + "'");
            f.serve(ctx);
        });
    }

    /** The names served under {@code /static/}. */
    java.util.Set<String> assetNames() {
        return assets.keySet();
    }

    private static byte[] openApiAsJson() {
        try (InputStream in = StaticRoutes.class.getClassLoader().getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) throw new IllegalStateException("resource " + OPENAPI_RESOURCE + " is missing from the class path");
            JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(in);
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(doc);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot convert " + OPENAPI_RESOURCE + " to JSON", e);
        }
    }

    /** The webjar's version, from its Maven metadata (the resources sit under a versioned folder). */
    private static String swaggerUiVersion() {
        try (InputStream in = StaticRoutes.class.getClassLoader().getResourceAsStream("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            if (in == null) throw new IllegalStateException("the swagger-ui webjar is missing from the class path");
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String shorten(String s) {
        if (s == null) return "";
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
