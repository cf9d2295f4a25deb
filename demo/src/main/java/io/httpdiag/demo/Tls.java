package io.httpdiag.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for localhost/127.0.0.1 as a server context (the key) and a client
 * context (trusting only it). {@link #get()}: made once per process with the running JDK's keytool
 * ({@code serve --tls}); {@link #bundled()}: the demo's own, shipped in the jar (no keytool run, so
 * the TLS scenario starts at once). Test material only: its private key is public.
 */
final class Tls {
  static final String PASSWORD = "changeit";
  private static Tls instance; // guarded by Tls.class
  private static Tls bundled; // guarded by Tls.class

  final Path keyStoreFile;
  private final KeyStore store;

  private Tls(Path keyStoreFile, KeyStore store) {
    this.keyStoreFile = keyStoreFile;
    this.store = store;
  }

  static synchronized Tls get() throws Exception {
    if (instance == null) instance = generate();
    return instance;
  }

  static synchronized Tls bundled() throws Exception {
    if (bundled == null) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = Tls.class.getResourceAsStream("demo-tls.p12")) {
        if (in == null) throw new IOException("demo-tls.p12 missing from the demo jar");
        store.load(in, PASSWORD.toCharArray());
      }
      bundled = new Tls(null, store);
    }
    return bundled;
  }

  SSLContext server() throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, PASSWORD.toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }

  SSLContext client() throws Exception {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private static Tls generate() throws Exception {
    Path dir = Files.createTempDirectory("httpdiag-demo-tls");
    Path ks = dir.resolve("demo.p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "demo", "-keyalg", "EC", "-groupname",
        "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "30",
        "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException("keytool failed: " + out);
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(ks)) {
      store.load(in, PASSWORD.toCharArray());
    }
    return new Tls(ks, store);
  }
}
