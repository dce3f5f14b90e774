/**
 * A bound on the tasks (downloads, unpacking, page reads) running at once,
 * starting waiting ones in the order the installer will need them: what it
 * waits for now, then what it found it needs next (the requirements of what
 * it just unpacked), then what was looked ahead for from the start.
 */

/** How soon a task's result is needed. */
export type Urgency = "now" | "soon" | "later";

const RANK: Record<Urgency, number> = { now: 0, soon: 1, later: 2 };

interface Waiting {
  id: string;
  rank: number;
  /** Order among tasks of the same rank; "now" ones go last in, first out. */
  order: number;
  start(): void;
  drop(): void;
}

/**
 * Runs at most `size` tasks at a time.
 *
 * ```ts
 * const slots = new Slots(4);
 * const got = slots.run("a.tgz", "later", () => fetchIt("a.tgz"));
 * slots.hurry("a.tgz", "now"); // the caller now waits for it
 * ```
 */
export class Slots {
  private running = 0;
  /** Tasks not started; two may share an id (both are hurried). */
  private readonly waiting = new Set<Waiting>();
  private count = 0;

  constructor(private readonly size: number) {}

  /** Runs `task`, known as `id`, when a slot is free. */
  async run<T>(
    id: string,
    urgency: Urgency,
    task: () => Promise<T>,
  ): Promise<T> {
    if (this.running >= this.size) {
      await new Promise<void>((start, drop) =>
        this.waiting.add({
          id,
          ...this.place(urgency),
          start,
          drop: () => drop(new Error("the run ended before this task started")),
        })
      );
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.next();
      if (next) next.start();
      else this.running--;
    }
  }

  /** Moves task `id`, if it still waits, ahead as `urgency` says. */
  hurry(id: string, urgency: Urgency): void {
    for (const waiting of this.waiting) {
      if (waiting.id === id && RANK[urgency] < waiting.rank) {
        Object.assign(waiting, this.place(urgency));
      }
    }
  }

  /** Drops the tasks not started: nothing waits for them any more. */
  drop(): void {
    const dropped = [...this.waiting.values()];
    this.waiting.clear();
    for (const task of dropped) task.drop();
  }

  private place(urgency: Urgency): { rank: number; order: number } {
    const count = ++this.count;
    return { rank: RANK[urgency], order: urgency === "now" ? -count : count };
  }

  /** Takes the waiting task to start next. */
  private next(): Waiting | undefined {
    let best: Waiting | undefined;
    for (const w of this.waiting) {
      if (
        !best || w.rank < best.rank ||
        (w.rank === best.rank && w.order < best.order)
      ) best = w;
    }
    if (best) this.waiting.delete(best);
    return best;
  }
}
