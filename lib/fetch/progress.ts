/**
 * A one-line progress bar for long downloads: size, rate and, when the
 * length is known, a bar and percentage. Only on a terminal, only once a
 * download is large enough to be worth watching, at most ten redraws a
 * second and at least one, so a stalled download shows as such; it erases
 * itself when done so logs stay clean.
 */
import { clearTimeout, setTimeout } from "node:timers";

/** Where the bar is drawn: stderr, or a stand-in in tests. */
export interface ProgressTerminal {
  isTTY?: boolean;
  columns: number;
  /** Writes `text`, which stays until `erase` is written, when given. */
  write(text: string, erase?: string): unknown;
}

/** Back to the start of the line, cleared to its end. */
const ERASE = "\r\x1b[K";

/** Downloads smaller than this never show a bar. */
export const PROGRESS_THRESHOLD = 4 * 1024 * 1024;

const REDRAW_MS = 100;

/** Bytes as `12.3 MiB`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * Calls `redraw` in `ms` milliseconds; returns what cancels the call. The
 * default never keeps the process alive on its own.
 */
export type Scheduler = (ms: number, redraw: () => void) => () => void;

function unrefTimer(ms: number, redraw: () => void): () => void {
  const timer = setTimeout(redraw, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

/** While nothing arrives, the bar is redrawn this often. */
const IDLE_REDRAW_MS = 1000;

/** Nothing received for this long shows as `stalled` in place of the rate. */
export const STALLED_MS = 3000;

/** Progress of one download; call {@link update} per chunk, then {@link done}. */
export class Progress {
  private received = 0;
  private shown = false;
  private lastDraw = 0;
  private lastArrival: number;
  private readonly started: number;
  private cancelRedraw?: () => void;
  private redrawDue = 0;

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly terminal: ProgressTerminal,
    private readonly now: () => number = Date.now,
    private readonly schedule: Scheduler = unrefTimer,
  ) {
    this.started = now();
    this.lastArrival = this.started;
  }

  /** Records `bytes` more received, redrawing when due. */
  update(bytes: number): void {
    this.received += bytes;
    const now = this.now();
    this.lastArrival = now;
    if (!this.terminal.isTTY) return;
    if ((this.total ?? this.received) < PROGRESS_THRESHOLD) return;
    if (!this.shown || now - this.lastDraw >= REDRAW_MS) {
      this.draw(now);
    } else {
      // Drawn when due even if nothing more comes: a burst followed by a
      // stall would otherwise leave the bar showing what came before it.
      this.redrawAt(this.lastDraw + REDRAW_MS, now);
    }
  }

  /** Erases the bar, if one was drawn. */
  done(): void {
    this.cancelRedraw?.();
    this.cancelRedraw = undefined;
    if (this.shown) this.terminal.write(ERASE);
    this.shown = false;
  }

  private draw(now: number): void {
    this.lastDraw = now;
    this.shown = true;
    this.terminal.write("\r" + this.line(now) + "\x1b[K", ERASE);
    // Redrawn while nothing arrives, so that a stall shows.
    this.cancelRedraw?.();
    this.cancelRedraw = undefined;
    this.redrawAt(now + IDLE_REDRAW_MS, now);
  }

  /** Schedules a redraw at `time` unless one is due sooner. */
  private redrawAt(time: number, now: number): void {
    if (this.cancelRedraw && this.redrawDue <= time) return;
    this.cancelRedraw?.();
    this.redrawDue = time;
    this.cancelRedraw = this.schedule(time - now, () => {
      this.cancelRedraw = undefined;
      this.draw(this.now());
    });
  }

  private line(now: number): string {
    const elapsed = now - this.started;
    const silent = now - this.lastArrival;
    // Over less than a redraw's interval (the first frame, drawn as the
    // first chunks arrive) a rate measures buffers, not the link.
    const rate = silent >= STALLED_MS
      ? [`stalled ${Math.floor(silent / 1000)}s`]
      : elapsed < REDRAW_MS
      ? []
      : [`${formatBytes(this.received / (elapsed / 1000))}/s`];
    // The last column stays empty: a line filling it wraps on some terminals.
    const room = this.terminal.columns - 1;
    const received = formatBytes(this.received);
    if (!this.total) {
      return fields(labelIn(this.label, room, [WIDEST_BYTES]), "", [
        received,
        ...rate,
      ], room);
    }
    const size = `${received} / ${formatBytes(this.total)}`;
    const fraction = Math.min(this.received / this.total, 1);
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    const label = labelIn(this.label, room, [
      percent.length,
      WIDEST_BYTES + " / ".length + formatBytes(this.total).length,
    ]);
    // The widest the rest can get, so the bar keeps one width throughout.
    const rest = label.length + 2 * formatBytes(this.total).length + 30;
    const barWidth = Math.min(room + 1 - rest, 30);
    const bar = barWidth >= 5
      ? "[" + "#".repeat(Math.round(fraction * barWidth)).padEnd(barWidth) +
        "]"
      : "";
    return fields(label, bar, [percent, size, ...rate], room);
  }
}

/**
 * `label`, then `bar` and as many of `numbers` as fit in `room` columns,
 * each whole: a narrow terminal drops the rate first, then the size.
 */
function fields(
  label: string,
  bar: string,
  numbers: string[],
  room: number,
): string {
  let text = bar ? `${label}  ${bar}` : label;
  for (const [i, number] of numbers.entries()) {
    const separator = bar && i === 0 ? " " : "  ";
    if (text.length + separator.length + number.length > room) break;
    text += separator + number;
  }
  return text.slice(0, Math.max(room, 0));
}

/** The widest size formatBytes gives: `1023.9 KiB`. */
const WIDEST_BYTES = 10;

/**
 * `label` cut to leave room for numbers as wide as `widths` after it, all
 * but the rate; on a terminal too narrow for them, it keeps up to 20
 * characters and leaves room for the first number only. The widest the
 * numbers can get, so the label keeps one length throughout.
 */
function labelIn(label: string, room: number, widths: number[]): string {
  const afterAll = widths.reduce((left, width) => left - 2 - width, room);
  const afterFirst = room - 2 - widths[0];
  return shortened(label, Math.max(afterAll, Math.min(20, afterFirst)));
}

/** `text` cut in its middle to at most `max` characters. */
function shortened(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 5) return text.slice(0, Math.max(max, 0));
  const head = Math.ceil((max - 3) / 2);
  return text.slice(0, head) + "..." +
    text.slice(text.length - (max - 3 - head));
}
