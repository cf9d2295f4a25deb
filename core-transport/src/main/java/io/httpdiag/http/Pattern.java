package io.httpdiag.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A parsed {@link ServeMux} pattern, {@code [METHOD ][HOST]/[PATH]}, with Go 1.22's precedence
 * relation (net/http/pattern.go). Immutable.
 *
 * <p>Path representation as in Go: a trailing {@code /} becomes an anonymous multi wildcard, and
 * {@code {$}} becomes the literal segment {@code "/"} (it matches only a trailing slash).
 */
final class Pattern {
  /** How the request sets of two patterns relate. */
  enum Rel { EQUIVALENT, MORE_GENERAL, MORE_SPECIFIC, DISJOINT, OVERLAPS }

  final String text;
  final String method; // "" matches every method
  final String host; // "" matches every host; lower case
  final Segment[] segments;

  private Pattern(String text, String method, String host, Segment[] segments) {
    this.text = text;
    this.method = method;
    this.host = host;
    this.segments = segments;
  }

  /** Parses {@code s}; throws IllegalArgumentException naming the pattern and the offset of the fault. */
  static Pattern parse(String s) {
    if (s == null || s.isEmpty()) {
      throw new IllegalArgumentException("empty pattern");
    }
    String method = "";
    String rest = s;
    int off = 0;
    int sp = indexOfSpace(s);
    if (sp >= 0) {
      method = s.substring(0, sp);
      int start = sp + 1;
      while (start < s.length() && (s.charAt(start) == ' ' || s.charAt(start) == '\t')) {
        start++;
      }
      rest = s.substring(start);
      off = start;
      if (!isToken(method)) {
        throw bad(s, 0, "invalid method \"" + method + "\"");
      }
    }
    int slash = rest.indexOf('/');
    if (slash < 0) {
      throw bad(s, off, "host/path missing /");
    }
    String host = rest.substring(0, slash);
    if (host.indexOf('{') >= 0) {
      throw bad(s, off + host.indexOf('{'), "host contains '{' (missing initial '/'?)");
    }
    String path = rest.substring(slash);
    off += slash;
    // Paths are cleaned before matching (except for CONNECT), so an unclean pattern never matches.
    if (!method.equals("CONNECT") && !path.equals(cleanPath(path))) {
      throw bad(s, off, "non-CONNECT pattern with unclean path can never match");
    }
    List<Segment> segs = new ArrayList<>();
    Set<String> names = new HashSet<>();
    int pos = 0; // invariant: path.charAt(pos) == '/'
    while (pos < path.length()) {
      if (pos == path.length() - 1) {
        segs.add(new Segment("", true, true)); // trailing slash: subtree
        break;
      }
      int next = path.indexOf('/', pos + 1);
      if (next < 0) {
        next = path.length();
      }
      String seg = path.substring(pos + 1, next);
      int segOff = off + pos + 1;
      pos = next;
      int brace = seg.indexOf('{');
      if (brace < 0) {
        segs.add(new Segment(unescape(seg), false, false));
        continue;
      }
      if (brace != 0) {
        throw bad(s, segOff, "bad wildcard segment (must start with '{')");
      }
      if (seg.charAt(seg.length() - 1) != '}') {
        throw bad(s, segOff, "bad wildcard segment (must end with '}')");
      }
      String name = seg.substring(1, seg.length() - 1);
      boolean atEnd = pos == path.length();
      if (name.equals("$")) {
        if (!atEnd) {
          throw bad(s, segOff, "{$} not at end");
        }
        segs.add(new Segment("/", false, false));
        break;
      }
      boolean multi = name.endsWith("...");
      if (multi) {
        name = name.substring(0, name.length() - 3);
        if (!atEnd) {
          throw bad(s, segOff, "{...} wildcard not at end");
        }
      }
      if (name.isEmpty()) {
        throw bad(s, segOff, "empty wildcard");
      }
      if (!isIdentifier(name)) {
        throw bad(s, segOff, "bad wildcard name \"" + name + "\"");
      }
      if (!names.add(name)) {
        throw bad(s, segOff, "duplicate wildcard name \"" + name + "\"");
      }
      segs.add(new Segment(name, true, multi));
    }
    return new Pattern(s, method, host.toLowerCase(Locale.ROOT), segs.toArray(new Segment[0]));
  }

  boolean lastMulti() {
    return segments[segments.length - 1].multi;
  }

  /** Whether this pattern's method admits {@code m}: GET also admits HEAD. */
  boolean matchesMethod(String m) {
    return method.isEmpty() || method.equals(m) || (m.equals("HEAD") && method.equals("GET"));
  }

  /** Whether the path matches, ignoring method and host. */
  boolean matchesPath(RequestPath p) {
    String[] req = p.segments;
    int n = segments.length;
    for (int i = 0; i < n; i++) {
      Segment ps = segments[i];
      if (i >= req.length) {
        return false;
      }
      if (ps.multi) {
        return true; // at least one request segment (possibly the trailing "/") is left
      }
      if (ps.wild) {
        if (req[i].equals("/")) {
          return false; // a single wildcard does not match a trailing slash
        }
      } else if (!ps.s.equals(req[i])) {
        return false;
      }
    }
    return n == req.length;
  }

  /** Sets the wildcard values of a path that {@link #matchesPath matches}. */
  void bindValues(RequestPath p, Request r) {
    for (int i = 0; i < segments.length; i++) {
      Segment ps = segments[i];
      if (ps.wild && !ps.s.isEmpty()) {
        r.setPathValue(ps.s, ps.multi ? p.rest(i) : p.segments[i]);
      }
    }
  }

  /** Whether this and {@code p2} match a common request with neither more specific (Go: conflictsWith). */
  boolean conflictsWith(Pattern p2) {
    if (!host.equals(p2.host)) {
      // One has a host and the other not (the one with the host wins), or different hosts.
      return false;
    }
    Rel rel = comparePathsAndMethods(p2);
    return rel == Rel.EQUIVALENT || rel == Rel.OVERLAPS;
  }

  Rel comparePathsAndMethods(Pattern p2) {
    Rel m = compareMethods(p2);
    if (m == Rel.DISJOINT) {
      return m;
    }
    return combine(m, comparePaths(p2));
  }

  /** A request path both patterns match, for error messages (Go: writeMatchingPath). */
  String commonPath(Pattern p2) {
    StringBuilder b = new StringBuilder();
    int i = 0;
    for (; i < segments.length && i < p2.segments.length; i++) {
      appendSegment(b, segments[i].wild ? p2.segments[i] : segments[i]);
    }
    Segment[] longer = i < segments.length ? segments : p2.segments;
    for (; i < longer.length; i++) {
      appendSegment(b, longer[i]);
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return text;
  }

  private Rel compareMethods(Pattern p2) {
    if (method.equals(p2.method)) {
      return Rel.EQUIVALENT;
    }
    if (method.isEmpty()) {
      return Rel.MORE_GENERAL;
    }
    if (p2.method.isEmpty()) {
      return Rel.MORE_SPECIFIC;
    }
    if (method.equals("GET") && p2.method.equals("HEAD")) {
      return Rel.MORE_GENERAL;
    }
    if (method.equals("HEAD") && p2.method.equals("GET")) {
      return Rel.MORE_SPECIFIC;
    }
    return Rel.DISJOINT;
  }

  private Rel comparePaths(Pattern p2) {
    Segment[] s1 = segments;
    Segment[] s2 = p2.segments;
    // Without a trailing multi, a pattern only matches paths with its number of segments.
    if (s1.length != s2.length && !lastMulti() && !p2.lastMulti()) {
      return Rel.DISJOINT;
    }
    Rel rel = Rel.EQUIVALENT;
    int i = 0;
    for (; i < s1.length && i < s2.length; i++) {
      rel = combine(rel, compareSegments(s1[i], s2[i]));
      if (rel == Rel.DISJOINT) {
        return rel;
      }
    }
    if (s1.length == s2.length) {
      return rel;
    }
    // Exactly one has segments left: only a multi at the end of the other can absorb them.
    if (s1.length < s2.length && lastMulti()) {
      return combine(rel, Rel.MORE_GENERAL);
    }
    if (s2.length < s1.length && p2.lastMulti()) {
      return combine(rel, Rel.MORE_SPECIFIC);
    }
    return Rel.DISJOINT;
  }

  private static Rel compareSegments(Segment a, Segment b) {
    if (a.multi && b.multi) {
      return Rel.EQUIVALENT;
    }
    if (a.multi) {
      return Rel.MORE_GENERAL;
    }
    if (b.multi) {
      return Rel.MORE_SPECIFIC;
    }
    if (a.wild && b.wild) {
      return Rel.EQUIVALENT;
    }
    if (a.wild) {
      return b.s.equals("/") ? Rel.DISJOINT : Rel.MORE_GENERAL; // {x} never matches a trailing slash
    }
    if (b.wild) {
      return a.s.equals("/") ? Rel.DISJOINT : Rel.MORE_SPECIFIC;
    }
    return a.s.equals(b.s) ? Rel.EQUIVALENT : Rel.DISJOINT;
  }

  /** Go's combineRelationships: the relation of two conjunctions, given the relations of their parts. */
  private static Rel combine(Rel r1, Rel r2) {
    switch (r1) {
      case EQUIVALENT:
        return r2;
      case DISJOINT:
        return Rel.DISJOINT;
      case OVERLAPS:
        return r2 == Rel.DISJOINT ? Rel.DISJOINT : Rel.OVERLAPS;
      default: // MORE_GENERAL, MORE_SPECIFIC
        if (r2 == Rel.EQUIVALENT) {
          return r1;
        }
        if (r2 == inverse(r1)) {
          return Rel.OVERLAPS;
        }
        return r2;
    }
  }

  private static Rel inverse(Rel r) {
    return r == Rel.MORE_GENERAL ? Rel.MORE_SPECIFIC : r == Rel.MORE_SPECIFIC ? Rel.MORE_GENERAL : r;
  }

  private static void appendSegment(StringBuilder b, Segment s) {
    b.append('/');
    if (!s.multi && !s.s.equals("/")) {
      b.append(s.s);
    }
  }

  private static int indexOfSpace(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == ' ' || c == '\t') {
        return i;
      }
    }
    return -1;
  }

  private static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Go requires a Go identifier; a Java identifier is the closest equivalent. */
  private static boolean isIdentifier(String s) {
    if (!Character.isJavaIdentifierStart(s.charAt(0)) || s.charAt(0) == '$') {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      if (!Character.isJavaIdentifierPart(s.charAt(i)) || s.charAt(i) == '$') {
        return false;
      }
    }
    return true;
  }

  private static IllegalArgumentException bad(String pattern, int off, String why) {
    return new IllegalArgumentException("parsing \"" + pattern + "\": at offset " + off + ": " + why);
  }

  /** Go's cleanPath: path.Clean, keeping a trailing slash; always starts with '/'. */
  static String cleanPath(String p) {
    if (p.isEmpty()) {
      return "/";
    }
    if (p.charAt(0) != '/') {
      p = "/" + p;
    }
    if (isClean(p)) {
      return p; // fast path: nothing to do on the hot path
    }
    List<String> out = new ArrayList<>();
    for (String part : p.split("/", -1)) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
        continue;
      }
      out.add(part);
    }
    StringBuilder b = new StringBuilder(p.length());
    for (String part : out) {
      b.append('/').append(part);
    }
    if (b.length() == 0) {
      return "/";
    }
    if (p.endsWith("/")) {
      b.append('/');
    }
    return b.toString();
  }

  private static boolean isClean(String p) {
    // No "//", no "/./" or "/../" segments, no trailing "/." or "/..".
    for (int i = 0; i < p.length(); i++) {
      if (p.charAt(i) != '/') {
        continue;
      }
      int end = p.indexOf('/', i + 1);
      if (end < 0) {
        end = p.length();
      }
      int len = end - i - 1;
      if (len == 0 && end < p.length()) {
        return false;
      }
      if (len == 1 && p.charAt(i + 1) == '.') {
        return false;
      }
      if (len == 2 && p.charAt(i + 1) == '.' && p.charAt(i + 2) == '.') {
        return false;
      }
    }
    return true;
  }

  /** Percent-decodes a path segment ('+' stays '+'); returns {@code s} unchanged when malformed, as Go does. */
  static String unescape(String s) {
    int pct = s.indexOf('%');
    if (pct < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    byte[] in = s.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < in.length; i++) {
      byte c = in[i];
      if (c != '%') {
        out.write(c);
        continue;
      }
      if (i + 2 >= in.length) {
        return s;
      }
      int hi = Character.digit(in[i + 1], 16);
      int lo = Character.digit(in[i + 2], 16);
      if (hi < 0 || lo < 0) {
        return s;
      }
      out.write(hi << 4 | lo);
      i += 2;
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** One pattern piece; see the class comment for the representation. */
  static final class Segment {
    final String s; // literal (unescaped), "/" for {$}, or the wildcard name ("" for a trailing slash)
    final boolean wild;
    final boolean multi;

    Segment(String s, boolean wild, boolean multi) {
      this.s = s;
      this.wild = wild;
      this.multi = multi;
    }
  }

  /**
   * A request path split as Go's firstSegment does: "/a/b/" is ["a", "b", "/"], "/" is ["/"].
   * Segments are unescaped, so "%2F" inside a segment does not split it.
   */
  static final class RequestPath {
    final String raw;
    final String[] segments;
    private final int[] starts; // index in raw of the '/' before each segment

    RequestPath(String raw) {
      this.raw = raw;
      List<String> segs = new ArrayList<>(8);
      int[] st = new int[8];
      int pos = 0;
      while (pos < raw.length()) {
        if (segs.size() == st.length) {
          st = java.util.Arrays.copyOf(st, st.length * 2);
        }
        st[segs.size()] = pos;
        if (pos == raw.length() - 1) {
          segs.add("/");
          break;
        }
        int next = raw.indexOf('/', pos + 1);
        if (next < 0) {
          next = raw.length();
        }
        segs.add(unescape(raw.substring(pos + 1, next)));
        pos = next;
      }
      this.segments = segs.toArray(new String[0]);
      this.starts = st;
    }

    /** The unescaped rest of the path after the slash before segment {@code i}. */
    String rest(int i) {
      return unescape(raw.substring(starts[i] + 1));
    }
  }
}
