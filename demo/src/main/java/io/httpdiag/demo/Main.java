package io.httpdiag.demo;

/** Entry point of httpdiag-demo.jar. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.out.println("httpdiag demo");
  }
}
