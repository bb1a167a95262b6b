package ai.mercury.server;

import ai.mercury.config.ItemsConfig;

import ai.mercury.config.MercuryConfig;

import ai.mercury.core.CatalogItem;
import ai.mercury.core.Json;
import ai.mercury.live.LiveItems;
import ai.mercury.live.LiveWriteException;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * {@code PUT/DELETE/GET /items/{id}} on the event loop: validation and JSON only. Writes need the
 * admin token and go to the {@link LiveItems} writer thread (embedding, journal fsync, index
 * insert), which acknowledges once the write is durable and visible to {@code /recommend}.
 */
final class ItemRoutes {
    private static final Pattern ID = Pattern.compile(ItemsConfig.ID_PATTERN);
    private static final int MAX_CATEGORY_CHARS = 256;

    private final MercuryConfig config;
    private final LiveItems live;
    private final AdminRoutes admin;

    ItemRoutes(MercuryConfig config, LiveItems live, AdminRoutes admin) {
        this.config = config;
        this.live = live;
        this.admin = admin;
    }

    void mount(Router router) {
        router.put("/items/:id")
                .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
                .handler(admin::authenticate)
                .handler(HttpVerticle::requireJson)
                .handler(this::put);
        router.delete("/items/:id").handler(admin::authenticate).handler(this::delete);
        router.get("/items/:id").handler(this::get);
    }

    private void put(RoutingContext ctx) {
        String id = itemId(ctx);
        CatalogItem item = parseItem(id, ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
        reply(ctx, live.upsert(item), r -> !r.applied() ? 202 : r.status().equals("created") ? 201 : 200);
    }

    private void delete(RoutingContext ctx) {
        reply(ctx, live.delete(itemId(ctx)), r -> r.applied() ? 200 : 202);
    }

    private void get(RoutingContext ctx) {
        String id = itemId(ctx);
        LiveItems.ItemInfo info;
        try {
            info = live.get(id);
        } catch (LiveWriteException e) {
            throw toApi(e);
        }
        if (info == null) throw new ApiException(404, "item_not_found", "there is no item " + id + " in the serving model");
        JsonObject item = new JsonObject(info.item().toJson().toString());
        HttpVerticle.sendJson(ctx, 200, new JsonObject().put("item", item).put("source", info.source())
                .put("written_at", info.writtenAt() == null ? null : info.writtenAt().toString()).put("journal_seq", info.seq())
                .put("vector_norm", info.vectorNorm()).put("model_version", info.modelVersion()));
    }

    private String itemId(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (id == null || !ID.matcher(id).matches()) {
            throw ApiException.badRequest("item id '" + shorten(id) + "' is not valid: use 1 to 128 letters, digits, '.', '_', ':' or '-'");
        }
        return id;
    }

    /** The body of a PUT as an item; a 400 naming the field for anything wrong. Unknown keys are kept with the item. */
    CatalogItem parseItem(String id, byte[] body) {
        JsonNode root;
        try {
            root = Json.readNetworkTree(body); // strict, UTF-8 and no lone surrogates: nothing unwritable reaches the journal
        } catch (Json.InvalidJson e) {
            throw new ApiException(400, "invalid_json", "the body is not acceptable JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new ApiException(400, "invalid_json", "the body must be a JSON object with title and price");
        JsonNode bodyId = root.get("item_id");
        if (bodyId != null && !(bodyId.isTextual() && bodyId.asText().equals(id))) {
            throw ApiException.badRequest("item_id in the body (" + shorten(bodyId.toString()) + ") differs from the id in the path (" + id + ")");
        }
        JsonNode title = root.get("title");
        if (title == null || !title.isTextual() || title.asText().isBlank()) throw ApiException.badRequest("title is required: a non-empty string");
        if (title.asText().length() > config.items().maxTitleChars()) {
            throw ApiException.badRequest("title has " + title.asText().length() + " characters; at most " + config.items().maxTitleChars() + " are accepted");
        }
        JsonNode description = root.get("description");
        if (description != null && !description.isNull()) {
            if (!description.isTextual()) throw ApiException.badRequest("description must be a string");
            if (description.asText().length() > config.items().maxDescriptionChars()) {
                throw ApiException.badRequest("description has " + description.asText().length() + " characters; at most "
                        + config.items().maxDescriptionChars() + " are accepted");
            }
        }
        JsonNode price = root.get("price");
        if (price == null || !price.isNumber()) throw ApiException.badRequest("price is required: a number >= 0");
        double p = price.asDouble();
        if (!Double.isFinite(p) || p < 0) throw ApiException.badRequest("price must be a finite number >= 0, got " + shorten(price.toString()));
        JsonNode category = root.get("category");
        if (category != null && !category.isNull()) {
            if (!category.isTextual() || category.asText().isBlank()) throw ApiException.badRequest("category must be a non-empty string or null");
            if (category.asText().length() > MAX_CATEGORY_CHARS) throw ApiException.badRequest("category has more than " + MAX_CATEGORY_CHARS + " characters");
        }
        JsonNode inStock = root.get("in_stock");
        if (inStock != null && !inStock.isNull() && !inStock.isBoolean()) throw ApiException.badRequest("in_stock must be true or false");
        return new CatalogItem(id, title.asText(), p, category == null || category.isNull() ? null : category.asText(),
                inStock == null || inStock.isNull() || inStock.asBoolean(), CatalogItem.extraFields(root));
    }

    private void reply(RoutingContext ctx, CompletableFuture<LiveItems.WriteResult> work,
                              java.util.function.ToIntFunction<LiveItems.WriteResult> status) {
        Future.fromCompletionStage(work, ctx.vertx().getOrCreateContext()).onComplete(ErrorResponses.guard(ctx, ar -> {
            if (ar.succeeded()) {
                LiveItems.WriteResult r = ar.result();
                JsonObject body = new JsonObject().put("item_id", r.itemId()).put("status", r.applied() ? r.status() : "accepted")
                        .put("embedded", r.embedded()).put("model_version", r.modelVersion()).put("journal_seq", r.seq())
                        .put("took_ms", r.nanos() / 1e6);
                if (live.replicated()) body.put("applied", r.applied()); // one node: the answer stays as it was
                HttpVerticle.sendJson(ctx, status.applyAsInt(r), body);
            } else {
                Throwable e = HttpVerticle.unwrap(ar.cause());
                ctx.fail(e instanceof LiveWriteException lwe ? toApi(lwe) : e);
            }
        }));
    }

    private static ApiException toApi(LiveWriteException e) {
        return switch (e.reason()) {
            case NOT_FOUND -> new ApiException(404, "item_not_found", e.getMessage());
            case NO_MODEL -> new ApiException(503, "no_model", e.getMessage());
            case JOURNAL -> new ApiException(503, "journal_unavailable", e.getMessage());
            case UNAVAILABLE -> new ApiException(503, "unavailable", e.getMessage());
            case SHUTTING_DOWN -> new ApiException(503, "shutting_down", e.getMessage());
            case EMBEDDING -> new ApiException(500, "embedding_failed", e.getMessage());
            case INTERNAL -> new ApiException(500, "internal_error", e.getMessage());
        };
    }

    private static String shorten(String s) {
        if (s == null) return "";
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
