/**
 * bzip2 decompression one block at a time with seek-bzip's decoder, whose
 * own `decode` wants the whole input and output in memory. Blocks are at
 * most 900 kB of input, so memory stays at a few megabytes whatever the
 * archive's size. The input is read synchronously from the file (the
 * decoder pulls bytes), the output handed over after each block.
 */
import { closeSync, openSync, readSync } from "node:fs";
import Bunzip from "seek-bzip";

const READ = 1 << 20;

/** The parts of seek-bzip's (unexported) block decoder used here. */
interface BlockDecoder {
  _init_block(): boolean;
  _read_bunzip(): void;
  _start_bunzip(input: ByteInput, output: ByteOutput): void;
  reader: { read(bits: number): number };
  streamCRC: number;
}

interface ByteInput {
  readByte(): number;
  read(buffer: Uint8Array, offset: number, length: number): number;
  eof(): boolean;
}

interface ByteOutput {
  writeByte(byte: number): void;
}

/** Why bzip2 data cannot be decoded; `truncated` when it ends early. */
export class Bzip2Error extends Error {
  constructor(message: string, readonly truncated = false) {
    super(message);
  }
}

/** Reads `file` through a buffer; running past its end is an error. */
class FileInput implements ByteInput {
  private readonly buf = new Uint8Array(READ);
  private length = 0;
  private pos = 0;
  private position = 0;

  constructor(private readonly fd: number) {}

  private fill(): boolean {
    this.length = readSync(this.fd, this.buf, 0, READ, this.position);
    this.position += this.length;
    this.pos = 0;
    return this.length > 0;
  }

  readByte(): number {
    if (this.pos === this.length && !this.fill()) {
      throw new Bzip2Error("unexpected end of data", true);
    }
    return this.buf[this.pos++];
  }

  read(buffer: Uint8Array, offset: number, length: number): number {
    for (let i = 0; i < length; i++) buffer[offset + i] = this.readByte();
    return length;
  }

  eof(): boolean {
    return this.pos === this.length && !this.fill();
  }

  /** True when the next bytes start another bzip2 stream. */
  nextIsStream(): boolean {
    if (this.length - this.pos < 4) {
      const rest = this.buf.slice(this.pos, this.length);
      this.buf.set(rest);
      const n = readSync(
        this.fd,
        this.buf,
        rest.length,
        READ - rest.length,
        this.position,
      );
      this.position += n;
      this.length = rest.length + n;
      this.pos = 0;
    }
    const b = this.buf;
    const p = this.pos;
    return this.length - p >= 4 && b[p] === 0x42 && b[p + 1] === 0x5a &&
      b[p + 2] === 0x68 && b[p + 3] >= 0x31 && b[p + 3] <= 0x39;
  }
}

/** Collects decoded bytes into chunks. */
class ChunkOutput implements ByteOutput {
  private buf = new Uint8Array(READ);
  private pos = 0;
  chunks: Uint8Array[] = [];

  writeByte(byte: number): void {
    if (this.pos === this.buf.length) {
      this.chunks.push(this.buf);
      this.buf = new Uint8Array(READ);
      this.pos = 0;
    }
    this.buf[this.pos++] = byte;
  }

  /** Everything written since the last call. */
  take(): Uint8Array[] {
    const out = this.chunks;
    if (this.pos > 0) out.push(this.buf.subarray(0, this.pos));
    this.chunks = [];
    this.buf = new Uint8Array(READ);
    this.pos = 0;
    return out;
  }
}

/**
 * Decompresses the bzip2 file `file` (concatenated streams too, as
 * `pbzip2` writes them), a block at a time.
 *
 * ```ts
 * for await (const chunk of bunzip2("x.tar.bz2")) { ... }
 * ```
 * @throws {Bzip2Error} for truncated or corrupt data
 */
export async function* bunzip2(file: string): AsyncGenerator<Uint8Array> {
  const fd = openSync(file, "r");
  try {
    const input = new FileInput(fd);
    const output = new ChunkOutput();
    const Decoder = Bunzip as unknown as new (
      input: ByteInput,
      output: ByteOutput,
    ) => BlockDecoder;
    const decoder = decoding(() => new Decoder(input, output));
    for (;;) {
      if (decoding(() => decoder._init_block())) {
        decoding(() => decoder._read_bunzip());
        for (const chunk of output.take()) yield chunk;
        continue;
      }
      const stored = decoding(() => decoder.reader.read(32)) >>> 0;
      if (stored !== decoder.streamCRC) throw new Bzip2Error("bad stream CRC");
      // like bzip2, ignore trailing bytes that do not start another stream
      if (!input.nextIsStream()) return;
      decoding(() => decoder._start_bunzip(input, output));
    }
  } finally {
    closeSync(fd);
  }
}

/** Runs a decoder step, turning seek-bzip's errors into {@link Bzip2Error}. */
function decoding<T>(step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof Bzip2Error) throw err;
    throw new Bzip2Error(err instanceof Error ? err.message : String(err));
  }
}
