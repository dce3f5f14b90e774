/**
 * `Slots` (lib/dists/slots.ts): at most `size` tasks run; waiting ones
 * start by urgency (now, soon, later), and in order within one.
 */
import assert from "node:assert/strict";
import { Slots, type Urgency } from "../../lib/dists/slots.ts";

/** Runs tasks that finish when told; records the order they started. */
function harness(size: number) {
  const slots = new Slots(size);
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const add = (id: string, urgency: Urgency) =>
    slots.run(id, urgency, () => {
      started.push(id);
      return new Promise<string>((done) => finish.set(id, () => done(id)));
    });
  const tick = () => new Promise((done) => setTimeout(done, 0));
  return { slots, started, finish, add, tick };
}

Deno.test("waiting tasks start by urgency, then in the order asked", async () => {
  const { slots, started, finish, add, tick } = harness(1);
  const all = [
    add("running", "later"),
    add("later1", "later"),
    add("later2", "later"),
    add("soon1", "soon"),
    add("soon2", "soon"),
    add("later3", "later"),
  ];
  slots.hurry("later3", "now");
  slots.hurry("later2", "now");
  slots.hurry("soon1", "later"); // never moved back
  await tick();
  for (let i = 0; i < 6; i++) {
    finish.get(started[i])!();
    await tick();
  }
  assert.deepEqual(await Promise.all(all), [
    "running",
    "later1",
    "later2",
    "soon1",
    "soon2",
    "later3",
  ]);
  assert.deepEqual(started, [
    "running",
    "later2",
    "later3",
    "soon1",
    "soon2",
    "later1",
  ]);
});

Deno.test("at most size run; dropped ones never start", async () => {
  const { slots, started, finish, add, tick } = harness(2);
  const a = add("a", "later"), b = add("b", "soon");
  const c = add("c", "now");
  await tick();
  assert.deepEqual(started, ["a", "b"]);
  slots.drop();
  await assert.rejects(c, /the run ended before this task started/);
  finish.get("a")!();
  finish.get("b")!();
  assert.deepEqual(await Promise.all([a, b]), ["a", "b"]);
  await tick();
  assert.deepEqual(started, ["a", "b"]);
});

Deno.test("two waiting tasks of one id both run, and both are hurried", async () => {
  const { slots, started, finish, add, tick } = harness(1);
  const all = [
    add("running", "later"),
    add("other", "later"),
    add("twice", "later"),
    add("twice", "later"),
  ];
  slots.hurry("twice", "soon");
  await tick();
  for (let i = 0; i < 4; i++) {
    finish.get(started[i])!();
    await tick();
  }
  assert.deepEqual(await Promise.all(all), [
    "running",
    "other",
    "twice",
    "twice",
  ]);
  assert.deepEqual(started, ["running", "twice", "twice", "other"]);
});
