// The /proc readings the benchmark divides by: a wrong field or a missed line would put a wrong
// figure in the report without failing anything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { statusKiB, voluntarySwitches } from '../../bench/lib/procfs';

test('a process that sleeps on a read counts a voluntary switch each time it wakes; a process that is gone reads as undefined', async () => {
  // A child blocked on its stdin, woken by each line written to it.
  const child = spawn(process.execPath, ['-e', "process.stdin.on('data', (d) => process.stdout.write(d))"], { stdio: ['pipe', 'pipe', 'inherit'] });
  const echoed = (line: string) => new Promise<void>((resolve) => {
    child.stdout.once('data', () => resolve());
    child.stdin.write(line);
  });
  await echoed('start\n');
  const before = voluntarySwitches(child.pid!);
  assert.ok(before !== undefined && before >= 0);
  for (let i = 0; i < 20; i++) {
    await echoed(`${i}\n`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const after = voluntarySwitches(child.pid!)!;
  assert.ok(after - before >= 20, `20 wake-ups from a blocked read, ${after - before} counted`);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill();
  await exited;
  assert.equal(voluntarySwitches(child.pid!), undefined);
});

test('memory fields are read in kibibytes: the resident set of this process, and its high-water mark no lower', () => {
  const rss = statusKiB(process.pid, 'VmRSS');
  assert.ok(rss > 1024 && rss < 16 * 1024 * 1024, `VmRSS ${rss} KiB`);
  assert.ok(statusKiB(process.pid, 'VmHWM') >= rss);
});
