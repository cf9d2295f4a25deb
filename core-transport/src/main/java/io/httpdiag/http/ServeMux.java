package io.httpdiag.http;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An HTTP request multiplexer with Go 1.22 patterns, like Go's {@code http.ServeMux}.
 *
 * <p>A pattern is {@code [METHOD ][HOST]/[PATH]}. A path is made of literal segments, {@code {name}}
 * wildcards (one whole segment), at most one {@code {name...}} at the end (the rest of the path,
 * possibly empty), or {@code {$}} at the end (only a trailing slash). A path ending in {@code /}
 * matches its whole subtree. A pattern without a method matches every method; {@code GET} also
 * matches {@code HEAD}. A pattern with a host matches only requests whose Host (port stripped,
 * case-insensitively) equals it.
 *
 * <p>When several patterns match, the most specific wins: the one whose requests are a strict
 * subset of the other's. A pattern with a host beats one without. Patterns that match the same
 * requests, or overlap with neither more specific, are rejected by {@link #handle} with an
 * {@link IllegalArgumentException} naming both.
 *
 * <p>Serving: the path is cleaned first (a request for {@code /a/../b} gets a 301 to {@code /b};
 * CONNECT is not cleaned); {@code /tree} gets a 301 to {@code /tree/} when only the subtree
 * pattern would match it exactly; otherwise no match is 404 {@code "404 page not found"}, and a
 * path that matches only with other methods is 405 with {@code Allow} (sorted). Wildcard values,
 * unescaped, are set with {@link Request#setPathValue}.
 *
 * <p>Complexity: registration is O(n) pattern comparisons (conflict check); a request is a scan of
 * the patterns of its host group and of the host-less group, each kept ordered most specific
 * first, so the first match wins: O(n x segments), no regular expressions, no allocation beyond
 * splitting the path. Fine for hundreds of routes. Thread-safe: registration copies the table
 * (copy-on-write) and may run concurrently with serving.
 */
public final class ServeMux implements Handler {
  private final ReentrantLock lock = new ReentrantLock(); // serializes registration
  private volatile Routes routes = new Routes(new HashMap<>(), new Route[0]);

  /**
   * Registers {@code handler} for {@code pattern}. Throws IllegalArgumentException for a malformed
   * pattern or one that conflicts with a registered pattern.
   */
  public void handle(String pattern, Handler handler) {
    if (handler == null) {
      throw new NullPointerException("handler for " + pattern);
    }
    Pattern p = Pattern.parse(pattern);
    Route route = new Route(p, handler, callerLocation());
    lock.lock();
    try {
      Routes cur = routes;
      for (Route e : cur.all()) {
        if (p.conflictsWith(e.pattern)) {
          throw conflict(route, e);
        }
      }
      routes = cur.with(route);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void serveHttp(ResponseWriter w, Request r) throws Exception {
    if ("*".equals(r.target())) {
      // Go: "OPTIONS *" and the like are not for the mux.
      w.headers().set("Connection", "close");
      w.writeHeader(400);
      return;
    }
    Routes rs = routes;
    String method = r.method();
    String escaped = r.uri().getRawPath();
    if (escaped == null || escaped.isEmpty()) {
      escaped = "/";
    }
    String host = stripHostPort(r.host());
    String path = method.equals("CONNECT") ? escaped : Pattern.cleanPath(escaped);
    Pattern.RequestPath rp = new Pattern.RequestPath(path);
    Route route = rs.match(host, method, rp);
    if (!exactMatch(route, path) && !path.endsWith("/")) {
      // "/tree" when "/tree/" would match exactly: redirect, as Go does.
      String slashed = path + "/";
      if (exactMatch(rs.match(host, method, new Pattern.RequestPath(slashed)), slashed)) {
        Responses.redirect(w, r, withQuery(slashed, r), 301);
        return;
      }
    }
    if (!path.equals(escaped)) {
      Responses.redirect(w, r, withQuery(path, r), 301);
      return;
    }
    if (route == null) {
      List<String> allowed = rs.matchingMethods(host, rp, path);
      if (!allowed.isEmpty()) {
        w.headers().set("Allow", String.join(", ", allowed));
        Responses.error(w, 405, "Method Not Allowed");
      } else {
        Responses.error(w, 404, "404 page not found");
      }
      return;
    }
    route.pattern.bindValues(rp, r);
    route.handler.serveHttp(w, r);
  }

  /** Whether the pattern matched {@code path} with nothing left for a trailing multi (Go: exactMatch). */
  private static boolean exactMatch(Route route, String path) {
    if (route == null) {
      return false;
    }
    Pattern p = route.pattern;
    if (!p.lastMulti()) {
      return true;
    }
    if (!path.endsWith("/")) {
      return false;
    }
    int slashes = 0;
    for (int i = 0; i < path.length(); i++) {
      if (path.charAt(i) == '/') {
        slashes++;
      }
    }
    return p.segments.length == slashes;
  }

  private static String withQuery(String path, Request r) {
    String q = r.rawQuery();
    return q == null ? path : path + "?" + q;
  }

  /** The host without port, lower case; IPv6 brackets removed. */
  static String stripHostPort(String h) {
    if (h == null) {
      return "";
    }
    if (h.startsWith("[")) {
      int close = h.indexOf(']');
      h = close < 0 ? h : h.substring(1, close);
    } else {
      int colon = h.indexOf(':');
      if (colon >= 0 && h.indexOf(':', colon + 1) < 0) {
        h = h.substring(0, colon);
      }
    }
    return h.toLowerCase(Locale.ROOT);
  }

  private static IllegalArgumentException conflict(Route r1, Route r2) {
    Pattern p1 = r1.pattern;
    Pattern p2 = r2.pattern;
    Pattern.Rel rel = p1.comparePathsAndMethods(p2);
    String why = rel == Pattern.Rel.EQUIVALENT
        ? p1 + " matches the same requests as " + p2
        : p1 + " and " + p2 + " both match some paths, like \"" + p1.commonPath(p2)
            + "\", but neither is more specific than the other";
    return new IllegalArgumentException("pattern \"" + p1 + "\" (registered at " + r1.location
        + ") conflicts with pattern \"" + p2 + "\" (registered at " + r2.location + "): " + why);
  }

  /** The caller of {@link #handle}, as "File.java:42", for conflict messages (Go names both call sites). */
  private static String callerLocation() {
    return StackWalker.getInstance().walk(frames -> frames
        .filter(f -> !f.getClassName().equals(ServeMux.class.getName()))
        .findFirst()
        .map(f -> f.getFileName() + ":" + f.getLineNumber())
        .orElse("?"));
  }

  private static final class Route {
    final Pattern pattern;
    final Handler handler;
    final String location;

    Route(Pattern pattern, Handler handler, String location) {
      this.pattern = pattern;
      this.handler = handler;
      this.location = location;
    }
  }

  /** An immutable routing table: one group per host plus the host-less group, each most specific first. */
  private static final class Routes {
    final Map<String, Route[]> byHost;
    final Route[] anyHost;

    Routes(Map<String, Route[]> byHost, Route[] anyHost) {
      this.byHost = byHost;
      this.anyHost = anyHost;
    }

    List<Route> all() {
      List<Route> all = new ArrayList<>(Arrays.asList(anyHost));
      byHost.values().forEach(g -> all.addAll(Arrays.asList(g)));
      return all;
    }

    Routes with(Route r) {
      String host = r.pattern.host;
      if (host.isEmpty()) {
        return new Routes(byHost, insert(anyHost, r));
      }
      Map<String, Route[]> m = new HashMap<>(byHost);
      m.put(host, insert(m.getOrDefault(host, new Route[0]), r));
      return new Routes(m, anyHost);
    }

    /**
     * Inserts before the first route more general than {@code r}. The group stays a linear
     * extension of "more specific than": anything more specific than {@code r} is more specific
     * than that route too, so it already sits before it. Patterns that match a common request are
     * comparable (conflicts were rejected), so the first match in the group is the most specific.
     */
    private static Route[] insert(Route[] group, Route r) {
      int at = group.length;
      for (int i = 0; i < group.length; i++) {
        if (r.pattern.comparePathsAndMethods(group[i].pattern) == Pattern.Rel.MORE_SPECIFIC) {
          at = i;
          break;
        }
      }
      Route[] out = new Route[group.length + 1];
      System.arraycopy(group, 0, out, 0, at);
      out[at] = r;
      System.arraycopy(group, at, out, at + 1, group.length - at);
      return out;
    }

    Route match(String host, String method, Pattern.RequestPath p) {
      if (!host.isEmpty()) {
        Route[] g = byHost.get(host);
        if (g != null) {
          Route r = first(g, method, p);
          if (r != null) {
            return r;
          }
        }
      }
      return first(anyHost, method, p);
    }

    private static Route first(Route[] group, String method, Pattern.RequestPath p) {
      for (Route r : group) {
        if (r.pattern.matchesMethod(method) && r.pattern.matchesPath(p)) {
          return r;
        }
      }
      return null;
    }

    /** Methods of the patterns matching the path (or the path plus "/"), sorted; GET brings HEAD. */
    List<String> matchingMethods(String host, Pattern.RequestPath p, String path) {
      TreeSet<String> methods = new TreeSet<>();
      Pattern.RequestPath slashed = path.endsWith("/") ? null : new Pattern.RequestPath(path + "/");
      Route[] hostGroup = host.isEmpty() ? null : byHost.get(host);
      for (Route[] g : hostGroup == null ? new Route[][] {anyHost} : new Route[][] {hostGroup, anyHost}) {
        for (Route r : g) {
          String m = r.pattern.method;
          if (!m.isEmpty() && (r.pattern.matchesPath(p) || (slashed != null && r.pattern.matchesPath(slashed)))) {
            methods.add(m);
          }
        }
      }
      if (methods.contains("GET")) {
        methods.add("HEAD");
      }
      return new ArrayList<>(methods);
    }
  }
}
