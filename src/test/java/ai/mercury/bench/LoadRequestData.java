package ai.mercury.bench;

import ai.mercury.core.Json;
import ai.mercury.data.Dataset;
import ai.mercury.data.DatasetConfig;
import ai.mercury.data.DatasetLoader;
import ai.mercury.data.ItemRecord;
import ai.mercury.eval.EvalQuery;
import ai.mercury.eval.EvalSetup;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Writes the load tests' request mix ({@code k6/data/requests.json}) from the evaluation protocol's
 * test queries ({@link EvalSetup}: the same cleaning, split and queries as {@code mercury eval}).
 *
 * <p>The mix: {@code size} bodies, 40 % context only ({@code cold_user_context} queries), 30 % first
 * item ({@code cold_user_first_item}: history = the basket's first item) and 30 % warm ({@code warm}:
 * history = the user's earlier items, most recent first, at most the protocol's cap of 50). Every
 * body carries the basket's real country and time ({@code context.timestamp}, ISO-8601 UTC) and
 * {@code k = 100}. Each slice is sampled without replacement with a fixed seed; when a slice has
 * fewer queries than its share (context only: 365 in Online Retail), it is topped up with the
 * country and time of other test baskets (warm ones, as a visitor who is not logged in would send
 * them), so that bodies rarely repeat (995 of the 1000 default bodies are distinct: a few baskets share a country and a minute). The bodies are shuffled (seeded) so that any window of the file
 * has the mix. Also writes {@code items}: catalog items (id, title, price) that {@code k6/mixed.js}
 * re-lists as new products for its upserts.
 *
 * <p>Format (one request per line, so that wrk's Lua script and {@link LoadGenerator} can read it
 * without a JSON parser): a JSON object whose {@code requests} array has one
 * {@code {"slice":"…","body":{…}}} per line. Usage:
 * {@code LoadRequestData [--data CSV] [--config JSON] [--out FILE] [--size N] [--seed S] [--items N]}.
 */
public final class LoadRequestData {
    static final String FORMAT = "mercury-load-requests/1";
    static final int K = 100;
    static final Map<String, Double> MIX = Map.of("context", 0.4, "first_item", 0.3, "warm", 0.3);

    private LoadRequestData() {}

    public static void main(String[] args) throws IOException {
        Path data = Path.of("../shared/data/online-retail/online_retail.csv.gz");
        Path config = Path.of(DatasetConfig.DEFAULT_CONFIG);
        Path out = Path.of("k6/data/requests.json");
        int size = 1000;
        long seed = 7L;
        int itemCount = 200;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
            switch (a) {
                case "--data" -> data = Path.of(args[++i]);
                case "--config" -> config = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--items" -> itemCount = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + a
                        + "; usage: LoadRequestData [--data CSV] [--config JSON] [--out FILE] [--size N] [--seed S] [--items N]");
            }
        }
        DatasetConfig cfg = DatasetConfig.load(config);
        Dataset dataset = DatasetLoader.load(data, cfg, line -> System.err.println(line));
        EvalSetup setup = EvalSetup.prepare(dataset, cfg);
        System.err.println(setup.summary());

        List<EvalQuery> context = new ArrayList<>();
        List<EvalQuery> firstItem = new ArrayList<>();
        List<EvalQuery> warm = new ArrayList<>();
        for (EvalQuery q : setup.queries()) {
            switch (q.slice()) {
                case COLD_USER_CONTEXT -> context.add(q);
                case COLD_USER_FIRST_ITEM -> firstItem.add(q);
                case WARM -> warm.add(q);
                default -> { }
            }
        }
        int nContext = (int) Math.round(size * MIX.get("context"));
        int nFirst = (int) Math.round(size * MIX.get("first_item"));
        int nWarm = size - nContext - nFirst;
        Random rnd = new Random(seed);
        List<EvalQuery> pickedWarm = sample(warm, nWarm, rnd);
        List<EvalQuery> pickedFirst = sample(firstItem, nFirst, rnd);
        List<EvalQuery> pickedContext = sample(context, nContext, rnd);
        int toppedUp = 0;
        if (pickedContext.size() < nContext) {
            // Top up with other test baskets' (country, time), never one already used for a context body.
            Set<String> used = new LinkedHashSet<>();
            for (EvalQuery q : pickedContext) used.add(q.basketId());
            List<EvalQuery> others = new ArrayList<>();
            for (EvalQuery q : warm) if (!used.contains(q.basketId())) others.add(q);
            for (EvalQuery q : sample(others, nContext - pickedContext.size(), rnd)) {
                pickedContext.add(q);
                toppedUp++;
            }
        }
        if (pickedFirst.size() < nFirst || pickedWarm.size() < nWarm || pickedContext.size() < nContext) {
            throw new IllegalStateException("not enough test queries for " + size + " requests");
        }

        ObjectMapper m = Json.MAPPER;
        List<String> lines = new ArrayList<>();
        for (EvalQuery q : pickedContext) lines.add(line(m, "context", q, List.of()));
        for (EvalQuery q : pickedFirst) lines.add(line(m, "first_item", q, q.history()));
        for (EvalQuery q : pickedWarm) lines.add(line(m, "warm", q, q.history()));
        Collections.shuffle(lines, rnd);

        List<ItemRecord> catalog = new ArrayList<>(dataset.items());
        Collections.shuffle(catalog, new Random(seed + 1));
        List<String> items = new ArrayList<>();
        for (ItemRecord it : catalog) {
            if (items.size() == itemCount) break;
            if (it.title() == null || it.title().isBlank() || !(it.price() > 0)) continue;
            ObjectNode o = m.createObjectNode().put("item_id", it.itemId()).put("title", it.title().trim()).put("price", it.price());
            items.add(m.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(o));
        }

        ObjectNode head = m.createObjectNode();
        head.put("format", FORMAT);
        head.put("description", "POST /recommend bodies for the load tests: the evaluation protocol's test queries "
                + "(../shared/eval/PROTOCOL.md v1, Online Retail), 40% context only, 30% first item, 30% warm, k=100, "
                + "real countries and basket times; one request per line. Rebuild with scripts/bench/make-k6-data.");
        head.put("command", "scripts/bench/make-k6-data --size " + size + " --seed " + seed + " --items " + itemCount);
        head.put("data_sha256", sha256(data));
        head.put("k", K);
        ObjectNode counts = head.putObject("counts");
        counts.put("context", nContext).put("first_item", nFirst).put("warm", nWarm);
        head.put("context_topped_up_from_warm_baskets", toppedUp);
        head.put("history_cap", cfg.evaluation().historyCap());
        String headJson = m.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(head);

        StringBuilder sb = new StringBuilder(1 << 20);
        sb.append(headJson, 0, headJson.length() - 1).append(",\n\"requests\":[\n");
        for (int i = 0; i < lines.size(); i++) sb.append(lines.get(i)).append(i + 1 < lines.size() ? ",\n" : "\n");
        sb.append("],\n\"items\":[\n");
        for (int i = 0; i < items.size(); i++) sb.append(items.get(i)).append(i + 1 < items.size() ? ",\n" : "\n");
        sb.append("]}\n");
        if (out.getParent() != null) Files.createDirectories(out.getParent());
        Path tmp = out.resolveSibling("." + out.getFileName() + ".tmp");
        Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.err.printf(Locale.ROOT, "wrote %s: %d requests (%d context of which %d topped up, %d first_item, %d warm), %d items%n",
                out, lines.size(), nContext, toppedUp, nFirst, nWarm, items.size());
    }

    private static List<EvalQuery> sample(List<EvalQuery> from, int n, Random rnd) {
        List<EvalQuery> copy = new ArrayList<>(from);
        Collections.shuffle(copy, rnd);
        return new ArrayList<>(copy.subList(0, Math.min(n, copy.size())));
    }

    private static String line(ObjectMapper m, String slice, EvalQuery q, List<String> history) throws IOException {
        ObjectNode body = m.createObjectNode();
        ObjectNode ctx = body.putObject("context");
        String country = q.context().get("country");
        if (country != null) ctx.put("country", country);
        ctx.put("timestamp", q.time().toString());
        if (!history.isEmpty()) {
            ArrayNode h = body.putArray("history");
            history.forEach(h::add);
        }
        body.put("k", K);
        ObjectNode o = m.createObjectNode().put("slice", slice);
        o.set("body", body);
        return m.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(o);
    }

    private static String sha256(Path file) throws IOException {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
