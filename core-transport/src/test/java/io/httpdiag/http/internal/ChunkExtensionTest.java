package io.httpdiag.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Chunk-size lines with extensions (RFC 9112 section 7.1.1), found by the llhttp corpus. */
class ChunkExtensionTest {
  private static long chunkSize(String line) throws IOException {
    HttpReader r = new HttpReader(new ByteArrayInputStream(line.getBytes(StandardCharsets.ISO_8859_1)), 64);
    return r.readChunkSize(new int[] {HttpReader.CHUNK_EXTENSION_BUDGET});
  }

  @ParameterizedTest
  @ValueSource(strings = {"5;a\r\n", "5 ; a = b\r\n", "5;a=\"q;\\\"x\"\r\n", "5;a;b=c;d=\"\"\r\n", "5;ilovew3=\"abc\";x\r\n"})
  void wellFormedExtensionsAreSkipped(String line) throws IOException {
    assertEquals(5, chunkSize(line));
  }

  @ParameterizedTest
  @ValueSource(strings = {"2;\r\n", "2; \r\n", "2;a=\r\n", "2;=b\r\n", "2;a=\"unterminated\r\n", "2;a;\r\n",
      "5;ilovew3=\"abc\";somuchlove=\"def; ghi\r\n", "2;a b\r\n"})
  void malformedExtensionsAreRejected(String line) {
    ProtocolException e = assertThrows(ProtocolException.class, () -> chunkSize(line));
    assertEquals(400, e.status());
  }
}
