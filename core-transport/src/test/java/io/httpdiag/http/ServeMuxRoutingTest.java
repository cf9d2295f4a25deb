package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Routing, precedence and conflicts of {@link ServeMux}, against a recording fake writer (pure
 * routing logic; the end-to-end behaviour over sockets is in ServeMuxServerTest).
 */
class ServeMuxRoutingTest {
  /** Go's documented examples plus edge cases; each handler answers its own name. */
  private static final String[][] ROUTES = {
      {"/", "root"},
      {"/index.html", "index"},
      {"/images/", "images"},
      {"/images/thumbnails/", "thumbs"},
      {"GET /posts/{id}", "post"},
      {"GET /posts/latest", "latest"},
      {"POST /posts/{id}", "post-update"},
      {"/b/{bucket}/o/{objectname...}", "object"},
      {"/b/{bucket}/o/default", "default-object"},
      {"/files/{$}", "files-index"},
      {"/files/{path...}", "files"},
      {"example.com/", "host-root"},
      {"example.com/{$}", "host-exact"},
      {"GET /head-only", "get-head-only"},
      {"HEAD /head-only", "head"},
      {"/esc/a%2Fb", "esc"},
  };

  @ParameterizedTest(name = "{0} {1}{2} -> {3} {4}")
  @CsvSource(delimiter = '|', value = {
      "GET    | localhost        | /                            | root           | ",
      "GET    | localhost        | /index.html                  | index          | ",
      "GET    | localhost        | /other                       | root           | ",
      "GET    | localhost        | /images/x.png                | images         | ",
      "GET    | localhost        | /images/                     | images         | ",
      "GET    | localhost        | /images/thumbnails/a.png     | thumbs         | ",
      "GET    | localhost        | /posts/42                    | post           | id=42",
      "GET    | localhost        | /posts/latest                | latest         | ",
      "HEAD   | localhost        | /posts/42                    | post           | id=42",
      "POST   | localhost        | /posts/42                    | post-update    | id=42",
      "DELETE | localhost        | /posts/42                    | root           | ",
      "GET    | localhost        | /posts/a%20b                 | post           | id=a b",
      "GET    | localhost        | /b/mybucket/o/a/b/c.txt      | object         | bucket=mybucket;objectname=a/b/c.txt",
      "GET    | localhost        | /b/mybucket/o/default        | default-object | bucket=mybucket",
      "GET    | localhost        | /b/mybucket/o/               | object         | bucket=mybucket;objectname=",
      "GET    | localhost        | /b/k/o/x%2Fy/z               | object         | bucket=k;objectname=x/y/z",
      "GET    | localhost        | /files/                      | files-index    | ",
      "GET    | localhost        | /files/x/y                   | files          | path=x/y",
      "GET    | example.com      | /index.html                  | host-root      | ",
      "GET    | example.com:8080 | /                            | host-exact     | ",
      "GET    | EXAMPLE.com      | /x                           | host-root      | ",
      "GET    | localhost        | /esc/a%2Fb                   | esc            | ",
      "GET    | localhost        | /esc/a/b                     | root           | ",
      "HEAD   | localhost        | /head-only                   | head           | ",
      "GET    | localhost        | /head-only                   | get-head-only  | ",
  })
  void mostSpecificPatternWinsWhateverTheRegistrationOrder(String method, String host, String target,
      String expected, String values) throws Exception {
    List<String[]> routes = new ArrayList<>(List.of(ROUTES));
    for (int order = 0; order < 2; order++) {
      ServeMux mux = new ServeMux();
      for (String[] r : routes) {
        mux.handle(r[0], (w, req) -> w.write(r[1]));
      }
      Request req = RecordingWriter.request(method, host, target);
      RecordingWriter w = new RecordingWriter();
      mux.serveHttp(w, req);
      assertEquals(200, w.status(), "order " + order);
      assertEquals(expected, w.bodyText(), "order " + order);
      for (Map.Entry<String, String> e : parse(values).entrySet()) {
        assertEquals(e.getValue(), req.pathValue(e.getKey()), e.getKey());
      }
      Collections.reverse(routes);
    }
  }

  @ParameterizedTest(name = "{0} and {1}: conflict={2}")
  @CsvSource(delimiter = '|', value = {
      "/posts/{id}                | /posts/{name}                  | true",
      "GET /a/{x}                 | /{y}/b                         | true",
      "/a/{x}                     | /{y}/b                         | true",
      "GET /posts/{id}            | /posts/latest                  | true",
      "GET /                      | /index.html                    | true",
      "/a                         | /a                             | true",
      "/a/                        | /a/{rest...}                   | true",
      "GET /a                     | GET /a                         | true",
      "example.com/a/{x}          | example.com/{y}/b              | true",
      "GET /a                     | HEAD /a                        | false",
      "GET /a                     | POST /a                        | false",
      "/posts/{id}                | /posts/latest                  | false",
      "example.com/a/{x}          | /{y}/b                         | false",
      "example.com/a/{x}          | other.org/{y}/b                | false",
      "/{$}                       | /                              | false",
      "/a/{x}                     | /a/{x}/                        | false",
      "/b/{bucket}/o/default      | /b/{bucket}/o/{objectname...}  | false",
      "GET /                      | /                              | false",
  })
  void overlappingPatternsWithNeitherMoreSpecificAreRejected(String p1, String p2, boolean conflict) {
    ServeMux mux = new ServeMux();
    mux.handle(p1, (w, r) -> {});
    if (!conflict) {
      mux.handle(p2, (w, r) -> {});
      return;
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mux.handle(p2, (w, r) -> {}));
    assertTrue(e.getMessage().contains("\"" + p1 + "\"") && e.getMessage().contains("\"" + p2 + "\""), e.getMessage());
  }

  @Test
  void conflictMessageGivesAPathBothMatch() {
    ServeMux mux = new ServeMux();
    mux.handle("GET /a/{x}", (w, r) -> {});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mux.handle("/{y}/b", (w, r) -> {}));
    assertTrue(e.getMessage().matches("pattern \"/\\{y}/b\" \\(registered at ServeMuxRoutingTest.java:\\d+\\) "
        + "conflicts with pattern \"GET /a/\\{x}\" \\(registered at ServeMuxRoutingTest.java:\\d+\\): "
        + "/\\{y}/b and GET /a/\\{x} both match some paths, like \"/a/b\", but neither is more specific than the other"),
        e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "GET", "GE(T /a", "/{x", "/a{x}", "/{x...}/y", "/{$}/y", "/{x}/{x}", "/{1x}", "/{}",
      "GET /a/../b", "GET /a//b", "host{x}/a"})
  void malformedPatternsAreRejected(String pattern) {
    assertThrows(IllegalArgumentException.class, () -> new ServeMux().handle(pattern, (w, r) -> {}));
  }

  @Test
  void methodMismatchIs405WithSortedAllow() throws Exception {
    ServeMux mux = new ServeMux();
    mux.handle("POST /items/{id}", (w, r) -> {});
    mux.handle("GET /items/{id}", (w, r) -> {});
    mux.handle("DELETE /items/{id}", (w, r) -> {});
    RecordingWriter w = serve(mux, "PUT", "/items/1");
    assertEquals(405, w.status());
    assertEquals("DELETE, GET, HEAD, POST", w.headers().get("Allow"));
    assertEquals("Method Not Allowed\n", w.bodyText());
  }

  @Test
  void noMatchIs404PlainText() throws Exception {
    ServeMux mux = new ServeMux();
    mux.handle("GET /items/{id}", (w, r) -> {});
    RecordingWriter w = serve(mux, "GET", "/nothing");
    assertEquals(404, w.status());
    assertEquals("404 page not found\n", w.bodyText());
    assertEquals("text/plain; charset=utf-8", w.headers().get("Content-Type"));
    assertEquals(404, serve(mux, "GET", "/items/").status()); // {id} never matches an empty segment
  }

  @Test
  void exactRootOnlyMatchesSlash() throws Exception {
    ServeMux mux = new ServeMux();
    mux.handle("/{$}", (w, r) -> w.write("home"));
    assertEquals("home", serve(mux, "GET", "/").bodyText());
    assertEquals(404, serve(mux, "GET", "/x").status());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "/dir         | /dir/",
      "/dir?x=1&y=2 | /dir/?x=1&y=2",
      "/a/../dir/x  | /dir/x",
      "/dir//x      | /dir/x",
      "/dir/./x/    | /dir/x/",
      "/a/../dir    | /dir/",
  })
  void uncleanPathsAndMissingTrailingSlashRedirect(String target, String location) throws Exception {
    ServeMux mux = new ServeMux();
    mux.handle("/dir/", (w, r) -> w.write("dir"));
    RecordingWriter w = serve(mux, "GET", target);
    assertEquals(301, w.status());
    assertEquals(location, w.headers().get("Location"));
  }

  @Test
  void noRedirectWhenTheExactPathIsRegistered() throws Exception {
    ServeMux mux = new ServeMux();
    mux.handle("/exact/", (w, r) -> w.write("subtree"));
    mux.handle("/exact", (w, r) -> w.write("exact"));
    mux.handle("/other/", (w, r) -> w.write("other"));
    mux.handle("/", (w, r) -> w.write("root"));
    assertEquals("exact", serve(mux, "GET", "/exact").bodyText());
    assertEquals("subtree", serve(mux, "GET", "/exact/x").bodyText());
    assertEquals(301, serve(mux, "GET", "/other").status()); // "/" matches, but not exactly
  }

  @Test
  void redirectRespectsTheMethod() throws Exception {
    ServeMux mux = new ServeMux();
    mux.handle("GET /dir/", (w, r) -> {});
    RecordingWriter w = serve(mux, "POST", "/dir");
    assertEquals(405, w.status());
    assertEquals("GET, HEAD", w.headers().get("Allow"));
  }

  @Test
  void asteriskTargetIsBadRequest() throws Exception {
    ServeMux mux = new ServeMux();
    mux.handle("/", (w, r) -> w.write("root"));
    Request r = Request.forServer("OPTIONS", java.net.URI.create("http://localhost/"), "*", "HTTP/1.1",
        Headers.of("Host", "localhost"), java.io.InputStream.nullInputStream(), 0, "127.0.0.1:1");
    RecordingWriter w = new RecordingWriter();
    mux.serveHttp(w, r);
    assertEquals(400, w.status());
  }

  @Test
  void unmatchedWildcardLeavesNoPathValue() throws Exception {
    ServeMux mux = new ServeMux();
    mux.handle("/a/{x}", (w, r) -> {});
    mux.handle("/a/b/", (w, r) -> {});
    Request r = RecordingWriter.request("GET", "localhost", "/a/b/c");
    mux.serveHttp(new RecordingWriter(), r);
    assertNull(r.pathValue("x"));
  }

  @Test
  void cleanPathMatchesGo() {
    assertEquals("/", Pattern.cleanPath(""));
    assertEquals("/a", Pattern.cleanPath("a"));
    assertEquals("/", Pattern.cleanPath("/.."));
    assertEquals("/a/", Pattern.cleanPath("/a/b/../"));
    assertEquals("/a", Pattern.cleanPath("/a/."));
    assertEquals("/a/b/", Pattern.cleanPath("/a//b//"));
    assertFalse(Pattern.cleanPath("/x/").equals("/x"));
  }

  private static RecordingWriter serve(ServeMux mux, String method, String target) throws Exception {
    RecordingWriter w = new RecordingWriter();
    mux.serveHttp(w, RecordingWriter.request(method, "localhost", target));
    return w;
  }

  private static Map<String, String> parse(String values) {
    Map<String, String> m = new LinkedHashMap<>();
    if (values != null) {
      for (String kv : values.split(";")) {
        int eq = kv.indexOf('=');
        m.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return m;
  }
}
