package io.httpdiag.agent.testapp;

import io.httpdiag.agent.testkit.ChildProcess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for localhost and 127.0.0.1, made once per JVM with the running JDK's
 * keytool (the approach of core-transport's TestCerts, copied: the agent does not depend on
 * core-transport's test classes).
 */
final class TestTls {
  private static final char[] PASSWORD = "changeit".toCharArray();
  private static KeyStore keyStore;
  private static Path file;

  private TestTls() {}

  static synchronized KeyStore keyStore() throws Exception {
    if (keyStore == null) {
      Path dir = Files.createTempDirectory("httpdiag-certs");
      file = dir.resolve("server.p12");
      Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
      ChildProcess keytoolRun = ChildProcess.start(List.of(keytool.toString(), "-genkeypair", "-alias", "server",
          "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
          "-validity", "2", "-keystore", file.toString(), "-storetype", "PKCS12", "-storepass", "changeit"), dir, "keytool");
      // Deleted in the reverse order of registration: the files, then the folder.
      for (Path p : List.of(dir, file, keytoolRun.out, keytoolRun.err)) p.toFile().deleteOnExit();
      ChildProcess.Exit keytoolExit = keytoolRun.await(Duration.ofSeconds(60));
      if (keytoolExit.code != 0) throw new IOException("keytool failed: " + keytoolRun.describe());
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(file)) {
        ks.load(in, PASSWORD);
      }
      keyStore = ks;
    }
    return keyStore;
  }

  /** The PKCS12 file (password "changeit"). */
  static Path file() throws Exception {
    keyStore();
    return file;
  }

  static SSLContext serverContext() throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keyStore(), PASSWORD);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }

  static SSLContext clientContext() throws Exception {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(keyStore());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
