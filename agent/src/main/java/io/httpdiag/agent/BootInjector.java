package io.httpdiag.agent;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import net.bytebuddy.jar.asm.ClassReader;

/**
 * Defines the agent jar's classes (all but {@link BootJar#EXCLUDED}) in the boot loader without
 * appending the jar to the boot class path: a run-time append makes the JVM print "Sharing is only
 * supported for boot loader classes because bootstrap classpath has been appended" and stop
 * sharing the application's classes (CDS). Used when the manifest's {@code Boot-Class-Path} did not
 * apply: on attach, and when the jar was renamed. {@code Agent} loads this class in a throwaway
 * loader and opens {@code java.base/jdk.internal.misc} to that loader alone, so nothing else gains
 * access to the JDK's internal Unsafe. The boot loader cannot find these classes by itself, so each
 * class's supertypes are defined before it.
 */
public final class BootInjector {
  private BootInjector() {}

  /** Returns the number of classes defined. */
  public static int inject(File jar) throws Exception {
    Class<?> unsafeClass = Class.forName("jdk.internal.misc.Unsafe");
    Object unsafe = unsafeClass.getMethod("getUnsafe").invoke(null);
    Method define = unsafeClass.getMethod("defineClass", String.class, byte[].class, int.class, int.class,
        ClassLoader.class, ProtectionDomain.class);
    Map<String, byte[]> classes = read(jar);
    Set<String> defined = new HashSet<>();
    for (String name : classes.keySet()) define(name, classes, defined, unsafe, define);
    return defined.size();
  }

  private static void define(String internalName, Map<String, byte[]> classes, Set<String> defined, Object unsafe,
      Method define) throws Exception {
    byte[] bytes = classes.get(internalName);
    if (bytes == null || !defined.add(internalName)) return; // a JDK type, or done
    ClassReader reader = new ClassReader(bytes);
    if (reader.getSuperName() != null) define(reader.getSuperName(), classes, defined, unsafe, define);
    for (String i : reader.getInterfaces()) define(i, classes, defined, unsafe, define);
    try {
      define.invoke(unsafe, internalName.replace('/', '.'), bytes, 0, bytes.length, null, null);
    } catch (InvocationTargetException e) {
      // A supertype outside the JDK and the jar (ByteBuddy's optional JNA support): from the boot
      // class path this class would fail to load just the same, and nothing of ours uses it.
      if (!(e.getCause() instanceof NoClassDefFoundError)) throw e;
    }
  }

  /** Internal name to class file, for every class the boot loader should hold. */
  private static Map<String, byte[]> read(File jar) throws IOException {
    Map<String, byte[]> classes = new LinkedHashMap<>();
    byte[] buf = new byte[64 * 1024];
    try (JarFile in = new JarFile(jar)) {
      for (Enumeration<JarEntry> e = in.entries(); e.hasMoreElements();) {
        JarEntry entry = e.nextElement();
        String name = entry.getName();
        if (!name.endsWith(".class") || name.startsWith("META-INF/") || name.startsWith(BootJar.EXCLUDED)
            || name.endsWith("module-info.class")) {
          continue;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) Math.max(entry.getSize(), 256));
        try (InputStream is = in.getInputStream(entry)) {
          for (int n; (n = is.read(buf)) > 0;) bytes.write(buf, 0, n);
        }
        classes.put(name.substring(0, name.length() - ".class".length()), bytes.toByteArray());
      }
    }
    return classes;
  }
}
