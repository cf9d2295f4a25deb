package io.httpdiag.agent.jmx;

import io.httpdiag.agent.runtime.Counters;
import io.httpdiag.agent.runtime.Events;
import io.httpdiag.agent.runtime.Finding;
import io.httpdiag.agent.runtime.Findings;
import io.httpdiag.agent.runtime.PoolStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenMBeanAttributeInfoSupport;
import javax.management.openmbean.OpenMBeanConstructorInfoSupport;
import javax.management.openmbean.OpenMBeanInfoSupport;
import javax.management.openmbean.OpenMBeanOperationInfoSupport;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularDataSupport;
import javax.management.openmbean.TabularType;

/**
 * The agent seen over JMX as {@value #NAME}: findings by kind, exchanges seen, dropped and in flight,
 * connection pool statistics per library and host, and the agent's own counters. Read-only, and
 * built from open types only (longs, strings, {@code TabularData}), so JConsole, JMC's MBean
 * browser, Jolokia and the Prometheus JMX exporter read it without the agent's classes; the tables
 * are indexed so the exporter turns their index columns into labels ({@code kind}; {@code library},
 * {@code host}).
 *
 * <p>Every attribute is computed when read, from counters the runtime keeps anyway: the MBean adds
 * nothing to the exchange path. Bounded: {@code FindingsByKind} has one row per kind, {@code Pools}
 * at most {@link PoolStats#MAX_HOSTS} rows per library (the pool table's own bound). Thread-safe
 * (reads of concurrent counters; a table is a weakly consistent snapshot).
 */
public final class AgentMBean implements DynamicMBean {
  /** The object name it is registered under. */
  public static final String NAME = "io.httpdiag:type=Agent";

  private static final CompositeType KIND_ROW;
  private static final TabularType KIND_TABLE;
  private static final String[] POOL_ITEMS;
  private static final CompositeType POOL_ROW;
  private static final TabularType POOL_TABLE;

  static {
    try {
      KIND_ROW = new CompositeType("httpdiag.FindingKindCount", "Occurrences of one kind of finding",
          new String[] {"kind", "count"}, new String[] {"Finding kind, e.g. BODY_NOT_CLOSED", "Occurrences so far"},
          new OpenType<?>[] {SimpleType.STRING, SimpleType.LONG});
      KIND_TABLE = new TabularType("httpdiag.FindingsByKind", "Occurrences of each kind of finding", KIND_ROW,
          new String[] {"kind"});
      List<String> items = new ArrayList<>(List.of("library", "host", "idle", "inUse", "dials", "reuses", "discards"));
      List<String> descriptions = new ArrayList<>(List.of(
          "The client library: core, jdk, okhttp, apache5, apache4, urlconnection",
          "host:port",
          "Connections idle in the pool now",
          "Connections serving an exchange now",
          "New connections dialed",
          "Exchanges that got a pooled connection",
          "Connections discarded instead of pooled, every reason"));
      for (String reason : PoolStats.REASONS) {
        items.add(discardItem(reason));
        descriptions.add("Connections discarded because: " + reason);
      }
      POOL_ITEMS = items.toArray(new String[0]);
      OpenType<?>[] types = new OpenType<?>[POOL_ITEMS.length];
      types[0] = SimpleType.STRING;
      types[1] = SimpleType.STRING;
      for (int i = 2; i < types.length; i++) types[i] = SimpleType.LONG;
      POOL_ROW = new CompositeType("httpdiag.Pool", "One library's connection pool(s) to one host", POOL_ITEMS,
          descriptions.toArray(new String[0]), types);
      POOL_TABLE = new TabularType("httpdiag.Pools", "Connection pools per library and host", POOL_ROW,
          new String[] {"library", "host"});
    } catch (OpenDataException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final List<Attr> attrs = new ArrayList<>();
  private final MBeanInfo info;

  public AgentMBean(String version) {
    attr("Version", SimpleType.STRING, "The agent's version", () -> version);
    attr("ExchangesSeen", SimpleType.LONG, "Client and server exchanges the agent saw start (tracked or dropped)",
        () -> Counters.trackedExchanges.sum() + Counters.droppedExchanges.get());
    attr("ExchangesDropped", SimpleType.LONG,
        "Exchanges not tracked because max.exchanges were in flight already (not reported, not checked)",
        Counters.droppedExchanges::get);
    attr("ExchangesInFlight", SimpleType.LONG, "Exchanges tracked now", () -> (long) Events.inFlight());
    attr("FindingsByKind", KIND_TABLE, "Occurrences of each kind of finding (each exchange or creation counts)",
        AgentMBean::findingsByKind);
    attr("FindingsTotal", SimpleType.LONG, "Occurrences of every kind of finding", AgentMBean::findingsTotal);
    attr("FindingsDistinct", SimpleType.LONG, "Distinct findings (kind and call site or subject) kept",
        () -> (long) Findings.all().size());
    attr("FindingsDropped", SimpleType.LONG, "Distinct findings not kept: the registry was full",
        Findings.dropped::get);
    attr("Pools", POOL_TABLE, "Client connection pools per library and host", AgentMBean::pools);
    attr("ConnectionsDropped", SimpleType.LONG, "Connections or hosts not counted: the pool table was full",
        Counters.droppedConnections::get);
    attr("Failures", SimpleType.LONG, "Exceptions inside the agent, swallowed (the application was not affected)",
        Counters.failures::get);
    attr("Transformations", SimpleType.LONG, "Classes the agent transformed", Counters.transformations::get);
    attr("TransformationErrors", SimpleType.LONG, "Classes the agent failed to transform",
        Counters.transformationErrors::get);
    attr("DroppedLogLines", SimpleType.LONG, "Lifecycle log lines dropped: the writer could not keep up",
        Counters.droppedLogLines::get);
    OpenMBeanAttributeInfoSupport[] a = new OpenMBeanAttributeInfoSupport[attrs.size()];
    for (int i = 0; i < a.length; i++) a[i] = attrs.get(i).info;
    info = new OpenMBeanInfoSupport(getClass().getName(),
        "httpdiag: HTTP findings, exchanges, connection pools and the agent's own counters (read-only)", a,
        new OpenMBeanConstructorInfoSupport[0], new OpenMBeanOperationInfoSupport[0], new MBeanNotificationInfo[0]);
  }

  /** The name {@value #NAME}. */
  public static ObjectName objectName() {
    try {
      return new ObjectName(NAME);
    } catch (javax.management.MalformedObjectNameException e) {
      throw new IllegalStateException("bad object name " + NAME, e);
    }
  }

  @Override
  public Object getAttribute(String name) throws AttributeNotFoundException {
    for (Attr a : attrs) {
      if (a.info.getName().equals(name)) return a.value.get();
    }
    throw new AttributeNotFoundException("no attribute " + name + " in " + NAME);
  }

  @Override
  public AttributeList getAttributes(String[] names) {
    AttributeList out = new AttributeList();
    for (String n : names) {
      try {
        out.add(new Attribute(n, getAttribute(n)));
      } catch (AttributeNotFoundException | RuntimeException e) {
        // the JMX contract: attributes that cannot be read are left out
      }
    }
    return out;
  }

  @Override
  public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
    throw new AttributeNotFoundException("read-only: " + attribute.getName());
  }

  @Override
  public AttributeList setAttributes(AttributeList attributes) {
    return new AttributeList();
  }

  @Override
  public Object invoke(String actionName, Object[] params, String[] signature) {
    throw new UnsupportedOperationException("no operation " + actionName + " in " + NAME);
  }

  @Override
  public MBeanInfo getMBeanInfo() {
    return info;
  }

  /** {@code discardsPoolFull} for reason {@code poolFull}. */
  static String discardItem(String reason) {
    return "discards" + reason.substring(0, 1).toUpperCase(Locale.ROOT) + reason.substring(1);
  }

  private void attr(String name, OpenType<?> type, String description, Supplier<Object> value) {
    attrs.add(new Attr(new OpenMBeanAttributeInfoSupport(name, description, type, true, false, false), value));
  }

  private static TabularDataSupport findingsByKind() {
    TabularDataSupport t = new TabularDataSupport(KIND_TABLE);
    try {
      for (Finding.Kind k : Finding.Kind.values()) {
        t.put(new CompositeDataSupport(KIND_ROW, new String[] {"kind", "count"}, new Object[] {k.name(), Findings.count(k)}));
      }
    } catch (OpenDataException e) {
      throw new IllegalStateException(e);
    }
    return t;
  }

  private static Long findingsTotal() {
    long n = 0;
    for (Finding.Kind k : Finding.Kind.values()) n += Findings.count(k);
    return n;
  }

  private static TabularDataSupport pools() {
    TabularDataSupport t = new TabularDataSupport(POOL_TABLE);
    try {
      for (PoolStats.Host h : Events.pool().hosts()) {
        Object[] values = new Object[POOL_ITEMS.length];
        values[0] = h.library.label;
        values[1] = h.hostPort;
        values[2] = h.idle.get();
        values[3] = h.inUse.get();
        values[4] = h.dials.get();
        values[5] = h.reuses.get();
        long discards = 0;
        for (int i = 0; i < PoolStats.REASONS.length; i++) {
          long d = h.discards.get(i);
          values[7 + i] = d;
          discards += d;
        }
        values[6] = discards;
        t.put(new CompositeDataSupport(POOL_ROW, POOL_ITEMS, values));
      }
    } catch (OpenDataException e) {
      throw new IllegalStateException(e);
    }
    return t;
  }

  private static final class Attr {
    final OpenMBeanAttributeInfoSupport info;
    final Supplier<Object> value;

    Attr(OpenMBeanAttributeInfoSupport info, Supplier<Object> value) {
      this.info = info;
      this.value = value;
    }
  }
}
