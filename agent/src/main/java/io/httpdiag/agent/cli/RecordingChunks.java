package io.httpdiag.agent.cli;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.EventType;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * The events of a JFR file read one chunk at a time, each chunk parsed on its own: what
 * {@link RecordingFile} does for one JVM's recording, and also right for chunks of several JVMs
 * concatenated ({@code collect --out}). {@code RecordingFile} reads a file as one JVM's chunks: it
 * keeps the previous chunk's metadata when the next one has the same metadata id, and its constant
 * lookups by type id, from chunk to chunk; two JVMs number both from the same small counters, so
 * their chunks one after the other are misread ("Unknown string encoding"). Each chunk is
 * self-contained, so parsing each alone is always right. A file of one chunk is read in place; a
 * longer one through one temporary file per chunk, one at a time (deleted as soon as read). Not
 * thread-safe.
 */
final class RecordingChunks implements Closeable {
  private static final int HEADER = 16; // "FLR\0", major and minor version (2 + 2 bytes), chunk size (8)

  private final Path file;
  private final List<long[]> chunks; // {offset, size}
  private int next;
  private RecordingFile current;
  private Path currentTemp;

  private RecordingChunks(Path file, List<long[]> chunks) {
    this.file = file;
    this.chunks = chunks;
  }

  /** Opens {@code file}; an {@link IOException} if a chunk header is not JFR's or a chunk is cut short. */
  static RecordingChunks open(Path file) throws IOException {
    List<long[]> chunks = new ArrayList<>();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long length = ch.size();
      long offset = 0;
      ByteBuffer header = ByteBuffer.allocate(HEADER);
      while (offset < length) {
        header.clear();
        while (header.hasRemaining()) {
          if (ch.read(header, offset + header.position()) < 0) throw new EOFException("chunk header cut short at " + offset);
        }
        header.flip();
        if (header.getInt(0) != 0x464c5200) throw new IOException("no chunk header (FLR) at offset " + offset);
        long size = header.getLong(8);
        if (size < HEADER || offset + size > length) {
          throw new EOFException("chunk at offset " + offset + " declares " + size + " bytes, " + (length - offset) + " left");
        }
        chunks.add(new long[] {offset, size});
        offset += size;
      }
    }
    return new RecordingChunks(file, chunks);
  }

  boolean hasMoreEvents() throws IOException {
    while (current == null || !current.hasMoreEvents()) {
      if (next >= chunks.size()) return false;
      openChunk(next++);
    }
    return true;
  }

  RecordedEvent readEvent() throws IOException {
    if (!hasMoreEvents()) throw new EOFException("no more events in " + file);
    return current.readEvent();
  }

  /** The event types of every chunk, one per name (the last chunk's wins). */
  List<EventType> readEventTypes() throws IOException {
    Map<String, EventType> types = new LinkedHashMap<>();
    for (int i = 0; i < chunks.size(); i++) {
      try (RecordingChunks one = new RecordingChunks(file, List.of(chunks.get(i)))) {
        one.openChunk(0);
        for (EventType t : one.current.readEventTypes()) types.put(t.getName(), t);
      }
    }
    return new ArrayList<>(types.values());
  }

  @Override
  public void close() throws IOException {
    closeCurrent();
  }

  private void openChunk(int i) throws IOException {
    closeCurrent();
    long[] c = chunks.get(i);
    if (chunks.size() == 1 && c[0] == 0) {
      current = new RecordingFile(file);
      return;
    }
    currentTemp = Files.createTempFile("httpdiag-chunk-", ".jfr");
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
        OutputStream out = Files.newOutputStream(currentTemp)) {
      InputStream chunk = Channels.newInputStream(in.position(c[0]));
      long left = c[1];
      byte[] buf = new byte[64 * 1024];
      while (left > 0) {
        int n = chunk.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) throw new EOFException("chunk at offset " + c[0] + " cut short");
        out.write(buf, 0, n);
        left -= n;
      }
    }
    current = new RecordingFile(currentTemp);
  }

  private void closeCurrent() throws IOException {
    try {
      if (current != null) current.close();
    } finally {
      current = null;
      if (currentTemp != null) {
        Files.deleteIfExists(currentTemp);
        currentTemp = null;
      }
    }
  }
}
