package io.httpdiag.http;

import java.io.IOException;

/** Canned responses shared by the mux and the built-in middleware (Go's {@code http.Error} and friends). */
final class Responses {
  private Responses() {}

  /**
   * Go's {@code http.Error}: replies {@code code} with {@code text} and a newline as plain text.
   * Headers set earlier stay, except Content-Length, which would no longer be right.
   */
  static void error(ResponseWriter w, int code, String text) throws IOException {
    Headers h = w.headers();
    h.remove("Content-Length");
    h.set("Content-Type", "text/plain; charset=utf-8");
    h.set("X-Content-Type-Options", "nosniff");
    w.writeHeader(code);
    w.write(text + "\n");
  }

  /** Go's {@code http.Redirect} for an absolute-path {@code location}: a short HTML body for GET. */
  static void redirect(ResponseWriter w, Request r, String location, int code) throws IOException {
    Headers h = w.headers();
    h.set("Location", location);
    boolean getOrHead = r.method().equals("GET") || r.method().equals("HEAD");
    if (getOrHead && !h.contains("Content-Type")) {
      h.set("Content-Type", "text/html; charset=utf-8");
    }
    w.writeHeader(code);
    if (r.method().equals("GET")) {
      w.write("<a href=\"" + htmlEscape(location) + "\">" + statusText(code) + "</a>.\n\n");
    }
  }

  static String statusText(int code) {
    switch (code) {
      case 301: return "Moved Permanently";
      case 400: return "Bad Request";
      case 404: return "Not Found";
      case 405: return "Method Not Allowed";
      case 413: return "Request Entity Too Large";
      case 500: return "Internal Server Error";
      case 503: return "Service Unavailable";
      default: return "Status " + code;
    }
  }

  private static String htmlEscape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<': b.append("&lt;"); break;
        case '>': b.append("&gt;"); break;
        case '&': b.append("&amp;"); break;
        case '"': b.append("&#34;"); break;
        case '\'': b.append("&#39;"); break;
        default: b.append(c);
      }
    }
    return b.toString();
  }
}
