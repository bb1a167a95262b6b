package ai.mercury.server;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;

import java.util.Set;
import java.util.TreeSet;

/**
 * The API routes of the running server, read from the router itself: every route with a path
 * and a method, as {@code "METHOD /path/{param}"} (OpenAPI's spelling). Routes without a method
 * (the conventions handler, the admin token check, failure handlers) are middleware, not API.
 * The contract test compares this list with the OpenAPI document. Thread-safe.
 */
public final class RouteTable {
    private volatile Router router;

    /** Called by the HTTP verticle once its routes are mounted (every instance mounts the same ones). */
    void record(Router router) {
        this.router = router;
    }

    /** The API routes, sorted; empty before the HTTP verticle started. */
    public Set<String> routes() {
        Router r = router;
        Set<String> out = new TreeSet<>();
        if (r == null) return out;
        for (Route route : r.getRoutes()) {
            Set<HttpMethod> methods = route.methods();
            if (route.getPath() == null || methods == null || methods.isEmpty()) continue;
            String path = route.getPath().replaceAll(":([A-Za-z0-9_]+)", "{$1}");
            for (HttpMethod m : methods) out.add(m.name() + " " + path);
        }
        return out;
    }
}
