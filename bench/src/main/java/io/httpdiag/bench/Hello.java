package io.httpdiag.bench;

/** A trivial main for start-up timing: prints one word and exits. */
public final class Hello {
  private Hello() {}

  public static void main(String[] args) {
    System.out.println("hello");
  }
}
