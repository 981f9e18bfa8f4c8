// The report says other work shared the machine from the machine's busy time minus the
// benchmark's own CPU time (its children's included), not from the load average after the run,
// which mostly counts the run's own processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { otherWorkShare, otherWorkWarning, startCpuCount } from '../../bench/lib/otherWork';

const machine = { cores: 2 };

test('a run whose own processes kept the machine busy is not reported as sharing it', () => {
  // 10 s on 2 cores: 2000 ticks; 1900 busy, 1850 of them the benchmark's and its servers'.
  const cpu = { machineBusy: 1900, machineTotal: 2000, own: 1850 };
  assert.equal(otherWorkShare(cpu), 0.025);
  assert.deepEqual(otherWorkWarning({ cpu, load: { before: 0.4, after: 2.2 }, machine }), [], 'a load of 2.2 after the run is its own');
});

test('other work above a tenth of the machine is reported, with its share', () => {
  const cpu = { machineBusy: 1900, machineTotal: 2000, own: 1400 };
  const [warning] = otherWorkWarning({ cpu, load: { before: 1.3, after: 2.5 }, machine });
  assert.match(warning, /Other work shared the machine/);
  assert.match(warning, /25% of its CPU time/);
  assert.match(warning, /load average 1\.3 before/);
  // More own time than the machine counted (ticks are sampled): no other work, not a negative share.
  assert.equal(otherWorkShare({ machineBusy: 100, machineTotal: 200, own: 104 }), 0);
});

test('a record from before the CPU time was counted is judged by its load average, which says it includes the run', () => {
  assert.deepEqual(otherWorkWarning({ load: { before: 0.5, after: 1.9 }, machine }), []);
  const [warning] = otherWorkWarning({ load: { before: 0.5, after: 2.4 }, machine });
  assert.match(warning, /load average 0\.5 before, 2\.4 after, on 2 cores; the load after includes the run's own processes/);
});

test('the count includes a child the benchmark started and waited for', () => {
  const count = startCpuCount();
  // A child that spins for 300 ms of CPU time.
  const child = spawnSync(process.execPath, ['-e', 'const end = Date.now() + 300; while (Date.now() < end);']);
  assert.equal(child.status, 0);
  const cpu = count();
  assert.ok(cpu.own >= 20, `the child's ~30 ticks are the benchmark's own (counted ${cpu.own})`);
  assert.ok(cpu.machineBusy >= cpu.own - 5, `the machine counted them too (${cpu.machineBusy} busy)`);
  assert.ok(cpu.machineTotal > 0);
});
