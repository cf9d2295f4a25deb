package io.httpdiag.agent;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.zip.Deflater;

/**
 * The copy of the agent jar that goes on the bootstrap search path: everything but
 * {@code io/httpdiag/junit/}. The JUnit extension lives in the same jar, and the jar is usually on
 * the test class path too; the application loader asks the boot loader first, so if the boot copy
 * held the extension it would be defined by the boot loader, which cannot see JUnit (its
 * {@code @ExtendWith} would silently vanish). Written once per jar version into
 * {@code java.io.tmpdir} (atomic rename, so JVMs starting together agree), then reused. java.io
 * only (no NIO file systems during start-up).
 */
final class BootJar {
  static final String EXCLUDED = "io/httpdiag/junit/";

  private BootJar() {}

  /** The path to append; the jar itself when it holds no extension classes or no copy can be written. */
  static String of(File jar) throws IOException {
    try (JarFile in = new JarFile(jar)) {
      if (in.getEntry(EXCLUDED) == null && in.getEntry(EXCLUDED + "HttpLeakExtension.class") == null) {
        return jar.getPath();
      }
    }
    File dir = new File(System.getProperty("java.io.tmpdir"), "httpdiag-" + System.getProperty("user.name", "user"));
    String key = Long.toHexString(jar.getCanonicalPath().hashCode() & 0xffffffffL) + "-" + jar.length() + "-"
        + jar.lastModified();
    File copy = new File(dir, "httpdiag-boot-" + key + ".jar");
    if (copy.isFile()) return copy.getPath();
    if (!dir.isDirectory() && !dir.mkdirs() && !dir.isDirectory()) return fallback(jar, "cannot create " + dir);
    File tmp = File.createTempFile("httpdiag-boot-", ".tmp", dir);
    try {
      write(jar, tmp);
      if (!tmp.renameTo(copy) && !copy.isFile()) return fallback(jar, "cannot write " + copy);
    } finally {
      tmp.delete();
    }
    return copy.getPath();
  }

  private static void write(File jar, File out) throws IOException {
    byte[] buf = new byte[64 * 1024];
    try (JarFile in = new JarFile(jar); OutputStream fos = new FileOutputStream(out);
        JarOutputStream jos = new JarOutputStream(fos)) {
      jos.setLevel(Deflater.BEST_SPEED);
      for (Enumeration<JarEntry> e = in.entries(); e.hasMoreElements();) {
        JarEntry entry = e.nextElement();
        if (entry.getName().startsWith(EXCLUDED)) continue;
        jos.putNextEntry(new JarEntry(entry.getName()));
        try (InputStream is = in.getInputStream(entry)) {
          for (int n; (n = is.read(buf)) > 0;) jos.write(buf, 0, n);
        }
        jos.closeEntry();
      }
    }
  }

  private static String fallback(File jar, String why) {
    System.err.println("httpdiag: " + why + "; the agent works, but the JUnit extension (io.httpdiag.junit) will not");
    return jar.getPath();
  }
}
