/**
 * A one-line progress bar for long downloads: size, rate and, when the
 * length is known, a bar and percentage. Only on a terminal, only once a
 * download is large enough to be worth watching, at most ten redraws a
 * second; it erases itself when done so logs stay clean.
 */

/** Where the bar is drawn: stderr, or a stand-in in tests. */
export interface ProgressTerminal {
  isTTY?: boolean;
  columns?: number;
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

/** Progress of one download; call {@link update} per chunk, then {@link done}. */
export class Progress {
  private received = 0;
  private shown = false;
  private lastDraw = 0;
  private readonly started: number;

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly terminal: ProgressTerminal,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  /** Records `bytes` more received, redrawing when due. */
  update(bytes: number): void {
    this.received += bytes;
    if (!this.terminal.isTTY) return;
    if ((this.total ?? this.received) < PROGRESS_THRESHOLD) return;
    const now = this.now();
    if (this.shown && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.shown = true;
    this.terminal.write("\r" + this.line(now) + "\x1b[K", ERASE);
  }

  /** Erases the bar, if one was drawn. */
  done(): void {
    if (this.shown) this.terminal.write(ERASE);
    this.shown = false;
  }

  /** Starts over (a retried download). */
  reset(): void {
    this.received = 0;
  }

  private line(now: number): string {
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = `${formatBytes(this.received / seconds)}/s`;
    const width = this.terminal.columns ?? 80;
    if (!this.total) {
      const text = `${this.label}  ${formatBytes(this.received)}  ${rate}`;
      return fit(text, width);
    }
    const size = `${formatBytes(this.received)} / ${formatBytes(this.total)}`;
    const fraction = Math.min(this.received / this.total, 1);
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    // The widest the rest can get, so the bar keeps one width throughout.
    const rest = this.label.length + 2 * formatBytes(this.total).length + 30;
    const barWidth = Math.min(width - rest, 30);
    const bar = barWidth >= 5
      ? "[" + "#".repeat(Math.round(fraction * barWidth)).padEnd(barWidth) +
        "] "
      : "";
    return fit(`${this.label}  ${bar}${percent}  ${size}  ${rate}`, width);
  }
}

/** `text` cut to a line of `width` columns, short of the last one. */
function fit(text: string, width: number): string {
  return text.length < width ? text : text.slice(0, Math.max(width - 1, 0));
}
