// `pnpm parity [FIXTURE_DIR] [--only GROUP[,GROUP]]`: runs the component checks against a fixture folder.
import { fileURLToPath } from 'node:url';
import { openFixture, ParityReport } from '@sana/core';
import { parityGroups } from './parity-groups.js';

const args = process.argv.slice(2);
let dir = fileURLToPath(new URL('../fixtures/reference', import.meta.url));
let only: string[] | undefined;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--only') only = (args[++i] ?? '').split(',').filter(Boolean);
  else if (args[i].startsWith('--only=')) only = args[i].slice(7).split(',').filter(Boolean);
  else if (args[i] === '--help' || args[i] === '-h') {
    console.log(`usage: pnpm parity [FIXTURE_DIR] [--only GROUP[,GROUP]]\ngroups: ${parityGroups.map((g) => g.name).join(', ')}`);
    process.exit(0);
  } else dir = args[i];
}
const known = parityGroups.map((g) => g.name);
const unknown = (only ?? []).filter((g) => !known.includes(g));
if (unknown.length) {
  console.error(`unknown parity group(s): ${unknown.join(', ')}; known: ${known.join(', ')}`);
  process.exit(2);
}
try {
  const fx = await openFixture(dir);
  console.log(`fixtures: ${fx.dir}`);
  const report = new ParityReport((l) => console.log(l));
  for (const g of parityGroups) {
    if (only && !only.includes(g.name)) continue;
    report.group = g.name;
    try {
      await g.run(fx, report);
    } catch (e) {
      report.fail(`${g.name} (group)`, e);
    }
  }
  console.log(`${report.passed} passed, ${report.failed} failed`);
  process.exit(report.failed ? 1 : 0);
} catch (e) {
  console.error(`parity: ${(e as Error).message}`);
  process.exit(2);
}
