package io.httpdiag.jmc.rules;

import io.httpdiag.agent.cli.rules.HttpRule;
import io.httpdiag.agent.cli.rules.HttpRules;
import io.httpdiag.agent.cli.rules.Verdict;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RunnableFuture;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.IResultValueProvider;
import org.openjdk.jmc.flightrecorder.rules.IRule;
import org.openjdk.jmc.flightrecorder.rules.ResultBuilder;
import org.openjdk.jmc.flightrecorder.rules.Severity;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit.EventAvailability;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit.RequiredEventsBuilder;

/**
 * One httpdiag rule as JMC sees it: the id, name, topic and required events of an {@link HttpRule},
 * evaluated by {@link HttpRules} (the same code the agent's {@code report} command runs) over the
 * records {@link Items} reads from JMC's item collection. Stateless and thread-safe: JMC evaluates
 * rules in parallel and may reuse one instance for many recordings.
 *
 * <p>Required events are NONE, JMC's "the type is known, maybe without events": a recording in which
 * the agent ran but found nothing still knows the event types (the agent registers them), and gets
 * OK; one without the agent does not, and JMC reports the rule as not applicable without calling
 * it. Not ENABLED: that needs {@code jdk.ActiveSetting} events, which a recording made with only
 * {@code httpdiag.jfc} does not have. A type explicitly disabled is treated as unknown ({@link
 * Items#evidence}): the rule is not applicable.
 */
abstract class HttpdiagRule implements IRule {
  private static final List<TypedResult<?>> RESULTS = List.of(TypedResult.SCORE);

  private final HttpRule rule;
  private final Map<String, EventAvailability> required;

  HttpdiagRule(HttpRule rule) {
    this.rule = rule;
    RequiredEventsBuilder b = RequiredEventsBuilder.create();
    for (String type : rule.requiredEvents) b.addEventType(type, EventAvailability.NONE);
    this.required = b.build();
  }

  @Override
  public String getId() {
    return rule.id;
  }

  @Override
  public String getName() {
    return rule.label;
  }

  @Override
  public String getTopic() {
    return HttpRule.TOPIC;
  }

  @Override
  public Map<String, EventAvailability> getRequiredEvents() {
    return required;
  }

  @Override
  public Collection<TypedPreference<?>> getConfigurationAttributes() {
    return List.of();
  }

  @Override
  public Collection<TypedResult<?>> getResults() {
    return RESULTS;
  }

  @Override
  public RunnableFuture<IResult> createEvaluation(IItemCollection items, IPreferenceValueProvider preferences,
      IResultValueProvider dependencyResults) {
    return new FutureTask<>(() -> result(HttpRules.evaluate(rule, Items.evidence(items)), preferences));
  }

  private IResult result(Verdict v, IPreferenceValueProvider preferences) {
    ResultBuilder b = ResultBuilder.createFor(this, preferences).setSummary(v.summary()).setExplanation(v.explanation())
        .setSolution(v.solution());
    if (v.score() < 0) return b.setSeverity(Severity.NA).build();
    return b.setSeverity(Severity.get(v.score())).addResult(TypedResult.SCORE, UnitLookup.NUMBER_UNITY.quantity(v.score()))
        .build();
  }
}
