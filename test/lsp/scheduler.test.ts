import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DebouncedScheduler } from '../../server/src/scheduler';

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

test('rescheduling a key replaces its pending job; other keys are independent', async () => {
  const ran: string[] = [];
  const scheduler = new DebouncedScheduler(() => assert.fail('no errors expected'));
  scheduler.schedule('a', 0, () => void ran.push('a1'));
  scheduler.schedule('a', 0, () => void ran.push('a2'));
  scheduler.schedule('b', 0, () => void ran.push('b1'));
  await settle();
  assert.deepEqual(ran.sort(), ['a2', 'b1']);
});

test('a running job sees itself cancelled once the key is scheduled again', async () => {
  const scheduler = new DebouncedScheduler(() => undefined);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let observed: boolean | undefined;
  scheduler.schedule('doc', 0, async (isCancelled) => {
    assert.equal(isCancelled(), false);
    await gate;
    observed = isCancelled();
  });
  await settle();
  scheduler.schedule('doc', 0, () => undefined);
  release();
  await settle();
  assert.equal(observed, true);
});

test('errors of current jobs are reported; after dispose nothing runs', async () => {
  const errors: unknown[] = [];
  const scheduler = new DebouncedScheduler((_key, error) => errors.push(error));
  scheduler.schedule('x', 0, () => {
    throw new Error('boom');
  });
  await settle();
  assert.equal((errors[0] as Error).message, 'boom');
  let ran = false;
  scheduler.schedule('y', 0, () => void (ran = true));
  scheduler.dispose();
  await settle();
  assert.equal(ran, false);
});

test('a job with no delay runs on the next turn, not after a clamped timer', async () => {
  // Inside an I/O callback the order is deterministic: immediates run before any timer. A
  // setTimeout(0) scheduled first still loses against the zero-delay job (Node clamps it to 1 ms,
  // and the scheduler's zero delay must not wait for that).
  const { readFile } = await import('node:fs');
  const order: string[] = [];
  const scheduler = new DebouncedScheduler(() => assert.fail('no errors expected'));
  await new Promise<void>((resolve) =>
    readFile(__filename, () => {
      setTimeout(() => {
        order.push('timer');
        resolve();
      }, 0);
      scheduler.schedule('doc', 0, () => void order.push('job'));
    }),
  );
  assert.deepEqual(order, ['job', 'timer']);
});

test('runNow starts a delayed job at once; cancel stops a zero-delay job before it runs', async () => {
  const ran: string[] = [];
  const scheduler = new DebouncedScheduler(() => assert.fail('no errors expected'));
  scheduler.schedule('slow', 60_000, () => void ran.push('slow'));
  assert.equal(scheduler.runNow('slow'), true);
  scheduler.schedule('gone', 0, () => void ran.push('gone'));
  scheduler.cancel('gone');
  await settle();
  assert.deepEqual(ran, ['slow']);
  assert.equal(scheduler.runNow('slow'), false);
});
