package io.httpdiag.agent;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Enumeration;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.Deflater;

/**
 * The copy of the agent jar that {@code attach} loads into a running JVM: the jar without its
 * manifest's {@code Boot-Class-Path} and without the JUnit extension. Started with the JVM
 * ({@code -javaagent}), that manifest entry puts the jar on the boot class path before the JVM has
 * initialised, silently; loaded into a running JVM, the same entry is a run-time append, which makes
 * the JVM print its CDS warning and stop sharing application classes. So attach loads this copy,
 * whose classes {@link BootInjector} defines in the boot loader instead. (The JUnit extension,
 * {@code io.httpdiag.junit}, is stored in the shipped jar only under {@code META-INF/versions/17/},
 * where the application loader finds it and the boot loader, which ignores multi-release entries,
 * does not: boot-loaded, it could not see JUnit.) Written once per jar version into
 * {@code java.io.tmpdir} (atomic rename, so processes attaching together agree), then reused.
 * java.io only.
 */
public final class BootJar {
  static final String EXCLUDED = "io/httpdiag/junit/";
  private static final String VERSIONED = "META-INF/versions/";

  private BootJar() {}

  /** The jar to attach; the jar itself (with the JVM's warning) when no copy can be written. */
  public static File forAttach(File jar) throws IOException {
    File dir = new File(System.getProperty("java.io.tmpdir"), "httpdiag-" + System.getProperty("user.name", "user"));
    String key = Long.toHexString(jar.getCanonicalPath().hashCode() & 0xffffffffL) + "-" + jar.length() + "-"
        + jar.lastModified();
    File copy = new File(dir, "httpdiag-attach-" + key + ".jar");
    if (copy.isFile()) return copy;
    if (!dir.isDirectory() && !dir.mkdirs() && !dir.isDirectory()) return fallback(jar, "cannot create " + dir);
    File tmp = File.createTempFile("httpdiag-attach-", ".tmp", dir);
    try {
      write(jar, tmp);
      if (!tmp.renameTo(copy) && !copy.isFile()) return fallback(jar, "cannot write " + copy);
    } finally {
      tmp.delete();
    }
    return copy;
  }

  private static void write(File jar, File out) throws IOException {
    byte[] buf = new byte[64 * 1024];
    try (JarFile in = new JarFile(jar)) {
      Manifest manifest = new Manifest(in.getManifest());
      manifest.getMainAttributes().remove(new Attributes.Name("Boot-Class-Path"));
      manifest.getMainAttributes().remove(new Attributes.Name("Multi-Release"));
      try (OutputStream fos = new FileOutputStream(out); JarOutputStream jos = new JarOutputStream(fos, manifest)) {
        jos.setLevel(Deflater.BEST_SPEED);
        for (Enumeration<JarEntry> e = in.entries(); e.hasMoreElements();) {
          JarEntry entry = e.nextElement();
          String name = entry.getName();
          if (name.startsWith(EXCLUDED) || name.startsWith(VERSIONED) || name.equals(JarFile.MANIFEST_NAME)) continue;
          jos.putNextEntry(new JarEntry(name));
          try (InputStream is = in.getInputStream(entry)) {
            for (int n; (n = is.read(buf)) > 0;) jos.write(buf, 0, n);
          }
          jos.closeEntry();
        }
      }
    }
  }

  private static File fallback(File jar, String why) {
    System.err.println("httpdiag: " + why + "; attaching the agent jar itself (the JVM will warn that class sharing is limited)");
    return jar;
  }
}
