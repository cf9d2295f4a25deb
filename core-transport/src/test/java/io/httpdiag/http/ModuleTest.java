package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * core-transport is a named module that exports its API package only. Surefire runs these tests
 * on the module path, patched into the module, so the descriptor seen here is the shipped one.
 */
class ModuleTest {
  @Test
  void onlyTheApiPackageIsExported() {
    Module module = Transport.class.getModule();
    assertTrue(module.isNamed(), "not running as a module: " + module);
    assertEquals("io.httpdiag.http", module.getName());
    Set<String> exported = module.getDescriptor().exports().stream().map(ModuleDescriptor.Exports::source)
        .collect(Collectors.toSet());
    assertEquals(Set.of("io.httpdiag.http"), exported);
    assertFalse(module.isExported("io.httpdiag.http.internal"), "internal is exported to everyone");
    assertFalse(module.isExported("io.httpdiag.http.internal.http2"), "internal.http2 is exported to everyone");
  }

  @Test
  void theModuleNeedsNothingButJavaBase() {
    Set<String> required = Transport.class.getModule().getDescriptor().requires().stream()
        .map(ModuleDescriptor.Requires::name).collect(Collectors.toSet());
    assertEquals(Set.of("java.base"), required);
  }
}
