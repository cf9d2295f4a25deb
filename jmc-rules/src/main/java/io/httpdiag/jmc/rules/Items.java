package io.httpdiag.jmc.rules;

import io.httpdiag.agent.cli.rules.Evidence;
import io.httpdiag.agent.cli.rules.HttpRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.openjdk.jmc.common.item.Attribute;
import org.openjdk.jmc.common.item.IAttribute;
import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.IItemIterable;
import org.openjdk.jmc.common.item.IMemberAccessor;
import org.openjdk.jmc.common.item.IType;
import org.openjdk.jmc.common.item.ItemFilters;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.flightrecorder.JfrAttributes;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit.EventAvailability;

/**
 * Reads httpdiag's events from a JMC item collection into {@link Evidence}, by the field names of
 * the agent's JFR event classes ({@code agent/.../report/*Event.java}). A field a recording lacks
 * (an older agent) reads as absent; a timespan of {@code Long.MIN_VALUE} (the phase did not happen)
 * reads as -1.
 */
final class Items {
  static final String EXCHANGE = "httpdiag.Exchange";
  static final String FINDING = "httpdiag.Finding";
  static final String SERVER_EXCHANGE = "httpdiag.ServerExchange";

  private static final IAttribute<String> HOST = text("host");
  private static final IAttribute<String> OUTCOME = text("outcome");
  private static final IAttribute<Boolean> REUSED = Attribute.attr("reused", "Reused", UnitLookup.FLAG);
  private static final IAttribute<IQuantity> DNS = timespan("dnsDuration");
  private static final IAttribute<IQuantity> CONNECT = timespan("connectDuration");
  private static final IAttribute<IQuantity> TLS = timespan("tlsDuration");
  private static final IAttribute<IQuantity> WAIT = timespan("waitForConnDuration");
  private static final IAttribute<String> KIND = text("kind");
  private static final IAttribute<String> TITLE = text("title");
  private static final IAttribute<String> CALL_SITE = text("callSite");
  private static final IAttribute<String> FIX = text("fix");
  private static final IAttribute<IQuantity> COUNT = Attribute.attr("count", "Count", UnitLookup.NUMBER);
  private static final IAttribute<String> METHOD = text("method");
  private static final IAttribute<String> TARGET = text("target");
  private static final IAttribute<IQuantity> STATUS = Attribute.attr("status", "Status", UnitLookup.NUMBER);
  private static final IAttribute<IQuantity> HANDLER = timespan("handlerDuration");

  private Items() {}

  static Evidence evidence(IItemCollection items) {
    Set<String> known = new TreeSet<>();
    for (HttpRule r : HttpRule.values()) {
      for (String type : r.requiredEvents) {
        EventAvailability a = RulesToolkit.getEventAvailability(items, type);
        if (a != EventAvailability.UNKNOWN && a != EventAvailability.DISABLED) known.add(type);
      }
    }
    return new Evidence(known, exchanges(items), findings(items), serverExchanges(items));
  }

  private static List<Evidence.Exchange> exchanges(IItemCollection items) {
    List<Evidence.Exchange> out = new ArrayList<>();
    for (IItemIterable it : items.apply(ItemFilters.type(EXCHANGE))) {
      IType<IItem> t = it.getType();
      IMemberAccessor<String, IItem> host = HOST.getAccessor(t), outcome = OUTCOME.getAccessor(t);
      IMemberAccessor<Boolean, IItem> reused = REUSED.getAccessor(t);
      IMemberAccessor<IQuantity, IItem> start = JfrAttributes.START_TIME.getAccessor(t),
          duration = JfrAttributes.DURATION.getAccessor(t), dns = DNS.getAccessor(t), connect = CONNECT.getAccessor(t),
          tls = TLS.getAccessor(t), wait = WAIT.getAccessor(t);
      for (IItem i : it) {
        out.add(new Evidence.Exchange(get(host, i), nanos(start, i, UnitLookup.EPOCH_NS), nanos(duration, i, UnitLookup.NANOSECOND),
            Boolean.TRUE.equals(get(reused, i)), nanos(dns, i, UnitLookup.NANOSECOND), nanos(connect, i, UnitLookup.NANOSECOND),
            nanos(tls, i, UnitLookup.NANOSECOND), nanos(wait, i, UnitLookup.NANOSECOND), get(outcome, i)));
      }
    }
    return out;
  }

  private static List<Evidence.Finding> findings(IItemCollection items) {
    List<Evidence.Finding> out = new ArrayList<>();
    for (IItemIterable it : items.apply(ItemFilters.type(FINDING))) {
      IType<IItem> t = it.getType();
      IMemberAccessor<String, IItem> kind = KIND.getAccessor(t), title = TITLE.getAccessor(t),
          site = CALL_SITE.getAccessor(t), fix = FIX.getAccessor(t);
      IMemberAccessor<IQuantity, IItem> count = COUNT.getAccessor(t);
      for (IItem i : it) {
        IQuantity c = get(count, i);
        out.add(new Evidence.Finding(get(kind, i), get(title, i), get(site, i), get(fix, i),
            c == null ? 1 : c.longValue()));
      }
    }
    return out;
  }

  private static List<Evidence.ServerExchange> serverExchanges(IItemCollection items) {
    List<Evidence.ServerExchange> out = new ArrayList<>();
    for (IItemIterable it : items.apply(ItemFilters.type(SERVER_EXCHANGE))) {
      IType<IItem> t = it.getType();
      IMemberAccessor<String, IItem> method = METHOD.getAccessor(t), target = TARGET.getAccessor(t);
      IMemberAccessor<IQuantity, IItem> status = STATUS.getAccessor(t), handler = HANDLER.getAccessor(t);
      for (IItem i : it) {
        IQuantity s = get(status, i);
        out.add(new Evidence.ServerExchange(get(method, i), get(target, i), s == null ? 0 : (int) s.longValue(),
            nanos(handler, i, UnitLookup.NANOSECOND)));
      }
    }
    return out;
  }

  private static <T> T get(IMemberAccessor<T, IItem> accessor, IItem item) {
    return accessor == null ? null : accessor.getMember(item);
  }

  /** In {@code unit}, or -1 when absent or negative ({@code Long.MIN_VALUE}: the phase did not happen). */
  private static long nanos(IMemberAccessor<IQuantity, IItem> accessor, IItem item,
      org.openjdk.jmc.common.unit.IUnit unit) {
    IQuantity q = get(accessor, item);
    if (q == null) return -1;
    long v = q.clampedLongValueIn(unit);
    return v < 0 ? -1 : v;
  }

  private static IAttribute<String> text(String field) {
    return Attribute.attr(field, field, UnitLookup.PLAIN_TEXT);
  }

  private static IAttribute<IQuantity> timespan(String field) {
    return Attribute.attr(field, field, UnitLookup.TIMESPAN);
  }

}
