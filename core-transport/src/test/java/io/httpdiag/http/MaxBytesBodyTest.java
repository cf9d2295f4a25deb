package io.httpdiag.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class MaxBytesBodyTest {
  @Test
  void byteReadsStopCleanlyAtALimitThatIsTheWholeBody() throws IOException {
    MaxBytesHandler.LimitedBody in = new MaxBytesHandler.LimitedBody(new ByteArrayInputStream(new byte[] {1, 2}), 2);
    assertEquals(1, in.read());
    assertEquals(2, in.read());
    assertEquals(-1, in.read());
  }

  @Test
  void readingPastTheLimitFailsAndKeepsFailing() throws IOException {
    MaxBytesHandler.LimitedBody in = new MaxBytesHandler.LimitedBody(new ByteArrayInputStream(new byte[] {1, 2, 3}), 2);
    assertEquals(2, in.read(new byte[8], 0, 8));
    IOException e = assertThrows(IOException.class, in::read);
    assertEquals("http: request body too large", e.getMessage());
    assertThrows(IOException.class, () -> in.read(new byte[8], 0, 8));
  }

  @Test
  void byteReadsFailOnTheByteAfterTheLimit() throws IOException {
    MaxBytesHandler.LimitedBody in = new MaxBytesHandler.LimitedBody(new ByteArrayInputStream(new byte[] {1, 2, 3}), 2);
    assertEquals(1, in.read());
    assertEquals(2, in.read());
    assertThrows(IOException.class, in::read);
  }
}
