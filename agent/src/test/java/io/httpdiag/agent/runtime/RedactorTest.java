package io.httpdiag.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RedactorTest {
  private final Redactor all = new Redactor(Config.defaults());

  @Test
  void queryAndUserInfoAreRedactedByDefault() {
    assertEquals("http://h:80/p?<redacted>", all.url("http://h:80/p?token=abc&x=1"));
    assertEquals("https://<redacted>@h/p", all.url("https://bob:pw@h/p"));
    assertEquals("https://<redacted>@h?<redacted>#frag", all.url("https://bob:pw@h?a=b#frag"));
    assertEquals("/target?<redacted>", all.url("/target?q=1"));
    assertEquals("http://h/p", all.url("http://h/p"));
    assertEquals("http://h/p?", all.url("http://h/p?"));
    assertEquals("http://h/p@x", all.url("http://h/p@x"), "an @ in the path is not user info");
  }

  @Test
  void valuesModeKeepsNamesAndOffKeepsEverything() {
    assertEquals("/p?a=<redacted>&flag&b=<redacted>",
        new Redactor(Config.parse("redact.query=values", null)).url("/p?a=1&flag&b=2"));
    assertEquals("/p?a=1", new Redactor(Config.parse("redact.query=off", null)).url("/p?a=1"));
  }

  @Test
  void sensitiveHeaderValuesAreHidden() {
    assertEquals("<redacted>", all.headerValue("Authorization", "Bearer abc"));
    assertEquals("<redacted>", all.headerValue("set-cookie", "id=1"));
    assertEquals("<redacted>", all.headerValue("Proxy-Authorization", "Basic x"));
    assertEquals("<redacted>", all.headerValue("COOKIE", "a=b"));
    assertEquals("text/plain", all.headerValue("Content-Type", "text/plain"));
    Redactor extra = new Redactor(Config.parse("redact=X-Api-Key", null));
    assertEquals("<redacted>", extra.headerValue("x-api-key", "k"));
  }
}
