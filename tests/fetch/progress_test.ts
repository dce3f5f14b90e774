/** The progress bar: drawn only on a terminal, only for large downloads. */
import assert from "node:assert/strict";
import {
  formatBytes,
  Progress,
  PROGRESS_THRESHOLD,
  STALLED_MS,
} from "../../lib/fetch/progress.ts";

function terminal(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, columns: 80, written, write: (t: string) => written.push(t) };
}

const MiB = 1024 * 1024;

Deno.test("a large download on a terminal shows size, rate and percentage, then erases itself", () => {
  const tty = terminal(true);
  let now = 0;
  const progress = new Progress("big.tar.gz", 100 * MiB, tty, () => now);
  now = 1000;
  progress.update(50 * MiB);
  now = 1050;
  progress.update(MiB); // within 100 ms of the last redraw: not drawn
  now = 2000;
  progress.update(49 * MiB);
  progress.done();
  assert.deepEqual(tty.written, [
    "\rbig.tar.gz  [###########           ]  50%  " +
    "50.0 MiB / 100.0 MiB  50.0 MiB/s\x1b[K",
    "\rbig.tar.gz  [######################] 100%  " +
    "100.0 MiB / 100.0 MiB  50.0 MiB/s\x1b[K",
    "\r\x1b[K",
  ]);
  for (const line of tty.written) {
    assert.ok(line.replace("\x1b[K", "").length <= 80, line);
  }
});

Deno.test("without a length, the size and rate once past the threshold", () => {
  const tty = terminal(true);
  let now = 0;
  const progress = new Progress("stream", undefined, tty, () => now);
  now = 500;
  progress.update(PROGRESS_THRESHOLD - 1);
  assert.deepEqual(tty.written, []);
  progress.update(1);
  assert.equal(tty.written.length, 1);
  assert.equal(tty.written[0], "\rstream  4.0 MiB  8.0 MiB/s\x1b[K");
  progress.done();
});

Deno.test("the first frame, drawn as the first bytes arrive, shows no rate: over a moment it measures buffers", () => {
  const tty = terminal(true);
  let now = 0;
  const progress = new Progress("big.tar.gz", 100 * MiB, tty, () => now);
  now = 2;
  progress.update(5 * MiB);
  now = 1000;
  progress.update(45 * MiB);
  progress.done();
  assert.deepEqual(tty.written.slice(0, 2), [
    "\rbig.tar.gz  [#                     ]   5%  5.0 MiB / 100.0 MiB\x1b[K",
    "\rbig.tar.gz  [###########           ]  50%  " +
    "50.0 MiB / 100.0 MiB  50.0 MiB/s\x1b[K",
  ]);
});

/** A clock whose time and timers move only when told to. */
function fakeClock() {
  let time = 0;
  let pending: { due: number; redraw: () => void }[] = [];
  return {
    now: () => time,
    schedule(ms: number, redraw: () => void) {
      const timer = { due: time + ms, redraw };
      pending.push(timer);
      return () => pending = pending.filter((t) => t !== timer);
    },
    /** Moves to `to`, running each timer due by then at its time. */
    advance(to: number) {
      for (;;) {
        const next = pending.toSorted((a, b) => a.due - b.due)[0];
        if (!next || next.due > to) break;
        pending = pending.filter((t) => t !== next);
        time = next.due;
        next.redraw();
      }
      time = to;
    },
    get pending() {
      return pending.length;
    },
  };
}

Deno.test("a burst then silence: the bar shows what arrived, then the stall", () => {
  const tty = terminal(true);
  const clock = fakeClock();
  const progress = new Progress(
    "big.tar.gz",
    100 * MiB,
    tty,
    clock.now,
    clock.schedule,
  );
  clock.advance(1000);
  progress.update(10 * MiB);
  clock.advance(1050);
  progress.update(40 * MiB); // within 100 ms of the last redraw
  assert.equal(tty.written.length, 1);
  clock.advance(1100);
  assert.equal(
    tty.written[1],
    "\rbig.tar.gz  [###########           ]  50%  " +
      "50.0 MiB / 100.0 MiB  45.5 MiB/s\x1b[K",
  );
  clock.advance(1100 + STALLED_MS);
  assert.equal(
    tty.written.at(-1),
    "\rbig.tar.gz  [###########           ]  50%  " +
      "50.0 MiB / 100.0 MiB  stalled 3s\x1b[K",
  );
  progress.done();
  assert.equal(tty.written.at(-1), "\r\x1b[K");
  assert.equal(clock.pending, 0, "no redraw after done");
});

Deno.test("nothing for small downloads or when stderr is not a terminal", () => {
  const tty = terminal(true);
  const small = new Progress("small", MiB, tty);
  small.update(MiB);
  small.done();
  assert.deepEqual(tty.written, []);
  const pipe = terminal(false);
  const big = new Progress("big", 100 * MiB, pipe);
  big.update(100 * MiB);
  big.done();
  assert.deepEqual(pipe.written, []);
});

Deno.test("formatBytes", () => {
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(1024 * MiB), "1.0 GiB");
  assert.equal(formatBytes(1024 ** 5), "1024.0 TiB");
});

/** The first frame of a download of `total` bytes once `received` came. */
function firstFrame(
  columns: number,
  label: string,
  total: number,
  received: number,
): string {
  const written: string[] = [];
  let now = 0;
  const progress = new Progress(
    label,
    total,
    { isTTY: true, columns, write: (text: string) => written.push(text) },
    () => now,
    () => () => {},
  );
  now = 1000;
  progress.update(received);
  assert.equal(written.length, 1);
  assert.ok(written[0].startsWith("\r") && written[0].endsWith("\x1b[K"));
  return written[0].slice(1, -"\x1b[K".length);
}

Deno.test("the bar fits the terminal: at most 30 wide, dropped below 5, the rate then the size dropped, the label cut", () => {
  const name = "big-archive-name.tar.gz";
  assert.equal(
    firstFrame(200, name, 100 * MiB, 50 * MiB),
    `${name}  [###############               ]  50%  ` +
      "50.0 MiB / 100.0 MiB  50.0 MiB/s",
  );
  assert.equal(
    firstFrame(54, "x", 100 * MiB, 50 * MiB),
    "x  [###  ]  50%  50.0 MiB / 100.0 MiB  50.0 MiB/s",
  );
  assert.equal(
    firstFrame(53, "x", 100 * MiB, 50 * MiB),
    "x   50%  50.0 MiB / 100.0 MiB  50.0 MiB/s",
  );
  // The size fills the line but its last column.
  assert.equal(
    firstFrame(49, name, 100 * MiB, 50 * MiB),
    "big-archi...e.tar.gz   50%  50.0 MiB / 100.0 MiB",
  );
  assert.equal(
    firstFrame(20, name, 100 * MiB, 50 * MiB),
    "big-a...ar.gz   50%",
  );
  assert.equal(firstFrame(11, name, 100 * MiB, 50 * MiB), "big-   50%");
});

Deno.test("a known large size shows from the first bytes; the percentage is never rounded up to 100, nor past it", () => {
  assert.equal(
    firstFrame(80, "x", 100 * MiB, MiB),
    "x  [                              ]   1%  1.0 MiB / 100.0 MiB  1.0 MiB/s",
  );
  assert.equal(
    firstFrame(80, "x", 200 * MiB, 199 * MiB),
    "x  [##############################]  99%  " +
      "199.0 MiB / 200.0 MiB  199.0 MiB/s",
  );
  // A server sending more than it announced.
  assert.equal(
    firstFrame(80, "x", 10 * MiB, 12 * MiB),
    "x  [##############################] 100%  12.0 MiB / 10.0 MiB  12.0 MiB/s",
  );
});
