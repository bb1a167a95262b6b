package ai.mercury.events;

/**
 * The device class of a browser's {@code User-Agent}: {@code mobile}, {@code tablet} or
 * {@code desktop}, by a short documented rule set (the common one of MDN's "browser detection using
 * the user agent" advice), checked in this order:
 * <ol>
 *   <li>not a browser (no {@code Mozilla/} or {@code Opera}: curl, load generators, server-side
 *       clients) → no device (the request stays as it was)</li>
 *   <li>{@code iPad}, {@code Tablet}, {@code Kindle}, {@code Silk/}, {@code PlayBook}, or
 *       {@code Android} without {@code Mobile} → {@code tablet}</li>
 *   <li>{@code Mobi} (covers {@code Mobile}), {@code iPhone}, {@code iPod}, {@code Windows Phone},
 *       {@code BlackBerry}, {@code Opera Mini} → {@code mobile}</li>
 *   <li>anything else → {@code desktop}</li>
 * </ol>
 * Plain substring tests (no regular expression): well under a microsecond. Stateless.
 */
public final class DeviceRules {
    private DeviceRules() {}

    /** The device of {@code userAgent}, or null when it is absent or not a browser's. */
    public static String device(String userAgent) {
        if (userAgent == null || userAgent.length() > 1024) return null;
        if (!userAgent.contains("Mozilla/") && !userAgent.contains("Opera")) return null;
        if (userAgent.contains("iPad") || userAgent.contains("Tablet") || userAgent.contains("Kindle") || userAgent.contains("Silk/")
                || userAgent.contains("PlayBook") || (userAgent.contains("Android") && !userAgent.contains("Mobile"))) {
            return "tablet";
        }
        if (userAgent.contains("Mobi") || userAgent.contains("iPhone") || userAgent.contains("iPod") || userAgent.contains("Windows Phone")
                || userAgent.contains("BlackBerry") || userAgent.contains("Opera Mini")) {
            return "mobile";
        }
        return "desktop";
    }
}
