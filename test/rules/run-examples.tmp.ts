import { readFileSync, readdirSync } from 'node:fs';
import { analyzeProgram, describe } from './helpers';
(async () => {
  for (const dir of readdirSync('examples').filter((d) => !d.includes('.'))) {
    const files: Record<string, string> = {};
    for (const f of readdirSync(`examples/${dir}`)) if (/\.[ch]$/.test(f) && !f.includes('.bpf.')) files[`examples/${dir}/${f}`] = readFileSync(`examples/${dir}/${f}`, 'utf8');
    for (const main of Object.keys(files).filter((f) => f.endsWith('.c'))) {
      console.log('=====', main);
      console.log(describe(await analyzeProgram(files, main)));
    }
  }
})();
