package io.httpdiag.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The POM that {@code mvn install}/{@code deploy} publish with the shaded jar: the shade plugin's
 * dependency-reduced POM, written beside the jar. The jar carries ByteBuddy relocated, so a POM that
 * still declared it would put a second, unrelocated ByteBuddy on every user's class path.
 */
class ArtifactPomIT {
  @Test
  void publishedPomDeclaresNoShadedDependency() throws Exception {
    Path pom = ChildJvm.agentJar().resolveSibling("dependency-reduced-pom.xml");
    assertTrue(Files.isRegularFile(pom), "the shade plugin wrote no dependency-reduced POM at " + pom);
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document doc = factory.newDocumentBuilder().parse(pom.toFile());
    Element project = doc.getDocumentElement();
    assertEquals("agent", text(project, "artifactId"));
    List<String> declared = new ArrayList<>();
    for (Element dependencies : children(project, "dependencies")) {
      for (Element d : children(dependencies, "dependency")) {
        declared.add(text(d, "groupId") + ":" + text(d, "artifactId") + ":" + text(d, "scope"));
      }
    }
    assertTrue(declared.stream().noneMatch(d -> d.startsWith("net.bytebuddy:")), "the published POM declares " + declared);
    // What remains must not reach a user's runtime class path: JUnit is provided, the rest is test scope.
    assertTrue(declared.stream().allMatch(d -> d.endsWith(":provided") || d.endsWith(":test")), "declared: " + declared);
  }

  private static List<Element> children(Element parent, String name) {
    List<Element> out = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      Node n = nodes.item(i);
      if (n instanceof Element && name.equals(n.getLocalName() != null ? n.getLocalName() : n.getNodeName())) out.add((Element) n);
    }
    return out;
  }

  private static String text(Element parent, String name) {
    List<Element> found = children(parent, name);
    return found.isEmpty() ? null : found.get(0).getTextContent().trim();
  }
}
