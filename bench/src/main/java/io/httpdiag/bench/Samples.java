package io.httpdiag.bench;

import java.util.ArrayList;
import java.util.List;

/** Repeated measurements of one quantity: median and coefficient of variation. */
final class Samples {
  private final List<Double> values = new ArrayList<>();

  void add(double v) {
    values.add(v);
  }

  int size() {
    return values.size();
  }

  double median() {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = new ArrayList<>(values);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  /** Standard deviation over mean; 0 with fewer than two values. */
  double cv() {
    int n = values.size();
    if (n < 2) {
      return 0;
    }
    double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    double var = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / (n - 1);
    return mean == 0 ? 0 : Math.sqrt(var) / mean;
  }
}
