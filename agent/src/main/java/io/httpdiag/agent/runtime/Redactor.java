package io.httpdiag.agent.runtime;

import java.util.Locale;
import java.util.Set;

/**
 * Redacts what the agent prints or records: the query of URLs and request targets, user info in
 * URLs, and the values of sensitive headers. Immutable and thread-safe.
 */
public final class Redactor {
  public static final String REDACTED = "<redacted>";

  private final Config.QueryRedaction query;
  private final Set<String> headers;

  public Redactor(Config config) {
    this.query = config.redactQuery;
    this.headers = config.redactedHeaders;
  }

  /** A URL ({@code http://user:pw@host/p?q}) or a request target ({@code /p?q}) fit to print. */
  public String url(String url) {
    if (url == null) return null;
    int start = 0;
    int scheme = url.indexOf("://");
    if (scheme > 0) {
      start = scheme + 3;
      int slash = pathStart(url, start);
      int end = slash < 0 ? url.length() : slash;
      int at = url.lastIndexOf('@', end - 1);
      if (at >= start) {
        url = url.substring(0, start) + REDACTED + url.substring(at);
        start = start + REDACTED.length() + 1;
      }
    }
    int q = url.indexOf('?', start);
    if (q < 0 || query == Config.QueryRedaction.OFF) return url;
    int hash = url.indexOf('#', q);
    String fragment = hash < 0 ? "" : url.substring(hash);
    String qs = url.substring(q + 1, hash < 0 ? url.length() : hash);
    if (query == Config.QueryRedaction.ALL || qs.isEmpty()) {
      return url.substring(0, q + 1) + (qs.isEmpty() ? "" : REDACTED) + fragment;
    }
    StringBuilder sb = new StringBuilder(url.length()).append(url, 0, q + 1);
    String[] params = qs.split("&", -1);
    for (int i = 0; i < params.length; i++) {
      if (i > 0) sb.append('&');
      int eq = params[i].indexOf('=');
      sb.append(eq < 0 ? params[i] : params[i].substring(0, eq + 1) + REDACTED);
    }
    return sb.append(fragment).toString();
  }

  /** Whether values of header {@code name} are hidden. */
  public boolean isSensitiveHeader(String name) {
    return name != null && headers.contains(name.toLowerCase(Locale.ROOT));
  }

  /** The header value fit to print. */
  public String headerValue(String name, String value) {
    return isSensitiveHeader(name) ? REDACTED : value;
  }

  /** Index of the first '/', '?' or '#' from {@code from}, or -1. Runs on every exchange: no per-char lookup. */
  private static int pathStart(String s, int from) {
    for (int i = from, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c == '/' || c == '?' || c == '#') return i;
    }
    return -1;
  }
}
