// `pnpm bench [--only NAME[,NAME]] [--quant] [--list]`: every speed claim of the project, printed as JSON lines.
// Each target runs in this process, one after another, so numbers in one run are comparable.
import { benchTargets, type BenchContext } from './bench-targets.js';

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only'))?.split('=')[1] ?? (args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined);
const ctx: BenchContext = {
  quant: args.includes('--quant'),
  device: (args.find((a) => a.startsWith('--device='))?.split('=')[1] ?? 'cpu') as BenchContext['device'],
  threads: Number(args.find((a) => a.startsWith('--threads='))?.split('=')[1] ?? 0) || undefined,
  quick: args.includes('--quick'),
};
if (args.includes('--list')) {
  for (const t of benchTargets) console.log(`${t.name}\t${t.description}`);
  process.exit(0);
}
const names = only?.split(',');
const selected = benchTargets.filter((t) => (names ? names.includes(t.name) : t.default !== false) && (!t.quant || ctx.quant || names));
if (names) {
  const unknown = names.filter((n) => !benchTargets.some((t) => t.name === n));
  if (unknown.length) { console.error(`unknown bench target(s): ${unknown.join(', ')}; see --list`); process.exit(2); }
}
for (const t of selected) {
  const started = Date.now();
  try {
    const result = await t.run(ctx);
    console.log(JSON.stringify({ target: t.name, device: ctx.device, ...result, wall_s: (Date.now() - started) / 1000 }));
  } catch (e) {
    console.log(JSON.stringify({ target: t.name, error: (e as Error).message }));
    process.exitCode = 1;
  }
}
