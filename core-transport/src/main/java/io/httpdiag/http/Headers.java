package io.httpdiag.http;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * HTTP header fields in arrival order. Names match case-insensitively (RFC 9110 section 5.1) and
 * keep the spelling they were added with. A name may carry several values.
 *
 * <p>Not thread-safe: a {@code Headers} belongs to one request or response; {@link #copy()} to share.
 */
public final class Headers {
  private String[] fields; // name0, value0, name1, value1, ...
  private int size; // number of array slots used (2 per field)

  public Headers() {
    fields = new String[16];
  }

  private Headers(String[] fields, int size) {
    this.fields = fields;
    this.size = size;
  }

  /** Headers holding {@code nameValuePairs}: name, value, name, value... */
  public static Headers of(String... nameValuePairs) {
    if (nameValuePairs.length % 2 != 0) {
      throw new IllegalArgumentException("odd number of name/value arguments: " + nameValuePairs.length);
    }
    Headers h = new Headers();
    for (int i = 0; i < nameValuePairs.length; i += 2) {
      h.add(nameValuePairs[i], nameValuePairs[i + 1]);
    }
    return h;
  }

  /** Appends a value; existing values of the same name stay. */
  public Headers add(String name, String value) {
    if (name == null || value == null) {
      throw new NullPointerException(name == null ? "name" : "value of " + name);
    }
    if (size == fields.length) {
      fields = Arrays.copyOf(fields, size * 2);
    }
    fields[size++] = name;
    fields[size++] = value;
    return this;
  }

  /** Replaces every value of {@code name} with {@code value}. */
  public Headers set(String name, String value) {
    remove(name);
    return add(name, value);
  }

  /** Removes every value of {@code name}; returns whether any was present. */
  public boolean remove(String name) {
    int out = 0;
    for (int i = 0; i < size; i += 2) {
      if (!fields[i].equalsIgnoreCase(name)) {
        fields[out] = fields[i];
        fields[out + 1] = fields[i + 1];
        out += 2;
      }
    }
    boolean removed = out != size;
    Arrays.fill(fields, out, size, null);
    size = out;
    return removed;
  }

  /** The first value of {@code name}, or null. */
  public String get(String name) {
    for (int i = 0; i < size; i += 2) {
      if (fields[i].equalsIgnoreCase(name)) {
        return fields[i + 1];
      }
    }
    return null;
  }

  /** Every value of {@code name} in order; empty if none. */
  public List<String> values(String name) {
    List<String> result = null;
    for (int i = 0; i < size; i += 2) {
      if (fields[i].equalsIgnoreCase(name)) {
        if (result == null) {
          result = new ArrayList<>(2);
        }
        result.add(fields[i + 1]);
      }
    }
    return result == null ? Collections.emptyList() : result;
  }

  /** How many values {@code name} has. */
  public int count(String name) {
    int n = 0;
    for (int i = 0; i < size; i += 2) {
      if (fields[i].equalsIgnoreCase(name)) {
        n++;
      }
    }
    return n;
  }

  public boolean contains(String name) {
    return get(name) != null;
  }

  /**
   * Whether the comma-separated list in {@code name} holds {@code token}, case-insensitively
   * (for {@code Connection: keep-alive, Upgrade} and the like).
   */
  public boolean containsToken(String name, String token) {
    for (int i = 0; i < size; i += 2) {
      if (fields[i].equalsIgnoreCase(name)) {
        String v = fields[i + 1];
        int start = 0;
        while (start <= v.length()) {
          int comma = v.indexOf(',', start);
          int end = comma < 0 ? v.length() : comma;
          if (v.substring(start, end).trim().equalsIgnoreCase(token)) {
            return true;
          }
          if (comma < 0) {
            break;
          }
          start = comma + 1;
        }
      }
    }
    return false;
  }

  /** Distinct names in first-seen order, in the spelling first seen. */
  public Set<String> names() {
    Set<String> lower = new LinkedHashSet<>();
    Set<String> result = new LinkedHashSet<>();
    for (int i = 0; i < size; i += 2) {
      if (lower.add(fields[i].toLowerCase(java.util.Locale.ROOT))) {
        result.add(fields[i]);
      }
    }
    return result;
  }

  /** Calls {@code action} for every field in order. */
  public void forEach(BiConsumer<String, String> action) {
    for (int i = 0; i < size; i += 2) {
      action.accept(fields[i], fields[i + 1]);
    }
  }

  /** Number of fields (a name with two values counts twice). */
  public int size() {
    return size / 2;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** The name of field {@code index}, for allocation-free iteration. */
  public String name(int index) {
    return fields[index * 2];
  }

  /** The value of field {@code index}. */
  public String value(int index) {
    return fields[index * 2 + 1];
  }

  public Headers copy() {
    return new Headers(Arrays.copyOf(fields, Math.max(size, 8)), size);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < size; i += 2) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(fields[i]).append(": ").append(fields[i + 1]);
    }
    return sb.append('}').toString();
  }
}
