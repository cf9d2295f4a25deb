package io.httpdiag.http.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads llhttp's markdown test corpus ({@code test/request/*.md}, {@code test/response/*.md}): each
 * case is the nearest heading, a {@code <!-- meta=... -->} line, an {@code http} block (the input) and a {@code log} block (what
 * llhttp reported). The input conversion follows llhttp's {@code test/md-test.ts}: drop the last
 * newline, join lines ending in a backslash, make every newline CRLF, then expand {@code \r \n \t
 * \f \xHH} and octal escapes; the resulting string is sent UTF-8 encoded.
 */
public final class LlhttpCorpus {
  private static final Pattern HEADING = Pattern.compile("^#+ (.*)$");
  private static final Pattern META = Pattern.compile("^<!-- meta=(.*) -->$");
  private static final Pattern TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern PAUSE = Pattern.compile("\"pause\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern SPAN = Pattern.compile("^off=\\d+ len=(\\d+) span\\[(\\w+)\\]=(.*)$");
  private static final Pattern EVENT = Pattern.compile("^off=(\\d+) (.*)$");
  private static final Pattern ERROR = Pattern.compile("^error code=(\\d+) reason=\"(.*)\"$");
  private static final Pattern HEADERS_COMPLETE =
      Pattern.compile("^headers complete (?:method=\\S+ )?(?:status=(\\d+) )?v=(\\d+)/(\\d+) flags=([0-9a-f]+) content_length=(\\d+)$");

  private LlhttpCorpus() {}

  /** Every case of every {@code .md} file under the classpath folder {@code resourceDir}, in file order. */
  public static List<Case> load(String resourceDir) {
    URL url = LlhttpCorpus.class.getResource(resourceDir);
    if (url == null) {
      throw new IllegalStateException("corpus not on the classpath: " + resourceDir);
    }
    try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
      List<Case> all = new ArrayList<>();
      for (Path p : files.filter(f -> f.toString().endsWith(".md") && !f.endsWith("README.md")).sorted().toList()) {
        all.addAll(parse(p.getFileName().toString(), Files.readString(p, StandardCharsets.UTF_8)));
      }
      return all;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<Case> parse(String file, String text) {
    List<Case> cases = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    String title = null;
    String meta = null;
    int metaLine = 0;
    List<String> http = null;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      Matcher m;
      if ((m = HEADING.matcher(line)).matches()) {
        title = m.group(1).trim();
      } else if ((m = META.matcher(line)).matches()) {
        meta = m.group(1);
        metaLine = i + 1;
      } else if (line.equals("```http")) {
        http = new ArrayList<>();
        for (i++; !lines[i].equals("```"); i++) {
          http.add(lines[i]);
        }
      } else if (line.equals("```log")) {
        List<String> log = new ArrayList<>();
        for (i++; !lines[i].startsWith("```"); i++) {
          log.add(lines[i]);
        }
        if (http == null || meta == null) {
          throw new IllegalStateException(file + ":" + (i + 1) + ": log block without http block or meta");
        }
        cases.add(newCase(file, metaLine, title, meta, String.join("\n", http), log));
        http = null;
        meta = null;
      }
    }
    return cases;
  }

  private static Case newCase(String file, int line, String title, String meta, String http, List<String> log) {
    Matcher type = TYPE.matcher(meta);
    if (!type.find()) {
      throw new IllegalStateException(file + ":" + line + ": meta without type: " + meta);
    }
    Matcher pause = PAUSE.matcher(meta);
    Case c = new Case(file, line, title, type.group(1), meta.contains("\"noScan\": true") || meta.contains("\"noScan\":true"),
        meta.contains("\"skipBody\""), pause.find() ? pause.group(1) : null, input(http));
    readLog(c, log);
    return c;
  }

  /** llhttp's md-test.ts conversion, step by step. */
  static byte[] input(String block) {
    String s = block.replaceAll("\\\\(\r\n|\r|\n)", "");
    s = s.replaceAll("\r\n|\r|\n", "\r\n");
    s = s.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").replace("\\f", "\f");
    s = replaceAll(s, Pattern.compile("\\\\x([0-9a-fA-F]+)"), 16);
    s = replaceAll(s, Pattern.compile("\\\\([0-7]{1,3})"), 8);
    if (s.contains("${")) {
      throw new IllegalStateException("inline JavaScript in corpus input is not supported: " + s);
    }
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String replaceAll(String s, Pattern p, int radix) {
    Matcher m = p.matcher(s);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(sb, Matcher.quoteReplacement(String.valueOf((char) Integer.parseInt(m.group(1), radix))));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  private static void readLog(Case c, List<String> log) {
    Message msg = null;
    StringBuilder field = new StringBuilder();
    StringBuilder value = new StringBuilder();
    for (String line : log) {
      Matcher m = SPAN.matcher(line);
      if (m.matches()) {
        String v = spanValue(m.group(3));
        if (v.length() != Integer.parseInt(m.group(1))) {
          throw new IllegalStateException(c + ": span length " + m.group(1) + " != " + v.length() + " in " + line);
        }
        switch (m.group(2)) {
          case "method" -> msg.method += v;
          case "url" -> msg.url += v;
          case "version" -> msg.version += v;
          case "protocol" -> msg.protocol += v;
          case "status" -> msg.reason += v;
          case "header_field" -> field.append(v);
          case "header_value" -> value.append(v);
          case "body" -> msg.body.writeBytes(v.getBytes(StandardCharsets.ISO_8859_1));
          default -> { } // protocol, chunk extensions: not visible to a handler
        }
        continue;
      }
      m = EVENT.matcher(line);
      if (!m.matches()) {
        continue; // "off=NULL finish=..." lines of request-finish cases
      }
      int off = Integer.parseInt(m.group(1));
      String event = m.group(2);
      if (event.equals("message begin")) {
        msg = new Message(off);
        c.messages.add(msg);
      } else if (event.equals("version complete")) {
        msg.versionEnd = off;
      } else if (event.equals("header_value complete")) {
        (msg.headersComplete ? msg.trailers : msg.headers).add(new String[] {field.toString(), value.toString()});
        field.setLength(0);
        value.setLength(0);
      } else if (event.startsWith("headers complete")) {
        msg.headersComplete = true;
        Matcher h = HEADERS_COMPLETE.matcher(event);
        if (h.matches()) {
          msg.status = h.group(1) == null ? -1 : Integer.parseInt(h.group(1));
          msg.flags = Integer.parseInt(h.group(4), 16);
          msg.contentLength = Long.parseLong(h.group(5));
        }
      } else if (event.equals("message complete")) {
        msg.complete = true;
      } else if (event.startsWith("error ")) {
        Matcher e = ERROR.matcher(event);
        if (!e.matches()) {
          throw new IllegalStateException(c + ": unreadable error line " + line);
        }
        c.errorCode = Integer.parseInt(e.group(1));
        c.errorReason = e.group(2);
        c.errorOffset = off;
      }
    }
  }

  /**
   * A span as llhttp's fixture prints it: {@code cr}, {@code lf}, or the raw bytes in quotes (the
   * md file is UTF-8, so raw bytes read back as their UTF-8 text). Returned as Latin-1, one char a byte.
   */
  private static String spanValue(String printed) {
    if (printed.equals("cr")) {
      return "\r";
    }
    if (printed.equals("lf")) {
      return "\n";
    }
    if (!printed.startsWith("\"") || !printed.endsWith("\"") || printed.length() < 2) {
      throw new IllegalStateException("unexpected span value " + printed);
    }
    String s = printed.substring(1, printed.length() - 1).replace("\\t", "\t").replace("\\f", "\f");
    return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
  }

  /** One test case of the corpus. */
  public static final class Case {
    public final String file;
    public final int line;
    public final String title;
    public final String type;
    public final boolean noScan;
    public final boolean skipBody;
    /** The llhttp callback that pauses the parser in this case, or null. */
    public final String pause;
    public final byte[] input;
    /** Every message llhttp began, in order. */
    public final List<Message> messages = new ArrayList<>();
    /** llhttp's error code (HPE_*), or null when it reported none. */
    public Integer errorCode;
    public String errorReason;
    public int errorOffset = -1;

    Case(String file, int line, String title, String type, boolean noScan, boolean skipBody, String pause, byte[] input) {
      this.file = file;
      this.line = line;
      this.title = title;
      this.type = type;
      this.noScan = noScan;
      this.skipBody = skipBody;
      this.pause = pause;
      this.input = input;
    }

    /** The key of {@code KNOWN_DIFFERENCES}-style maps: file and title (titles repeat across files). */
    public String key() {
      return file + "#" + title;
    }

    /** The messages llhttp reported complete. */
    public List<Message> completed() {
      return messages.stream().filter(m -> m.complete).toList();
    }

    @Override
    public String toString() {
      return file + ":" + line + " " + title;
    }
  }

  /** A message as llhttp's callbacks saw it. Strings are Latin-1, one char per byte. */
  public static final class Message {
    public final int offset;
    public String method = "";
    public String url = "";
    public String version = "";
    /** Offset just past the HTTP version of the request line, or -1 if llhttp did not get that far. */
    public int versionEnd = -1;
    /** Response only: "HTTP", "RTSP" or "ICE". */
    public String protocol = "";
    /** Response only: the status code from "headers complete", -1 before it or for a request. */
    public int status = -1;
    /** Response only: the reason phrase (llhttp's status span). */
    public String reason = "";
    /** llhttp's F_* flags at "headers complete" (see {@link #CONTENT_LENGTH}, {@link #CHUNKED}). */
    public int flags;
    /** The Content-Length llhttp read, 0 when none. */
    public long contentLength;
    /** llhttp's F_CONNECTION_CLOSE flag. */
    public static final int CONNECTION_CLOSE = 0x2;
    /** llhttp's F_CHUNKED flag: chunked is the final transfer coding. */
    public static final int CHUNKED = 0x8;
    /** llhttp's F_CONTENT_LENGTH flag. */
    public static final int CONTENT_LENGTH = 0x20;
    /** llhttp's F_TRANSFER_ENCODING flag: some Transfer-Encoding was present. */
    public static final int TRANSFER_ENCODING = 0x200;
    public final List<String[]> headers = new ArrayList<>();
    /** Fields of the chunked trailer section, which llhttp reports like header fields. */
    public final List<String[]> trailers = new ArrayList<>();
    public final ByteArrayOutputStream body = new ByteArrayOutputStream();
    public boolean headersComplete;
    public boolean complete;

    Message(int offset) {
      this.offset = offset;
    }
  }
}
