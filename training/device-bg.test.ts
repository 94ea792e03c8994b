// device-bg.sh runs on the device machine, where a mistake costs minutes of a 30-minute budget; this runs it here with
// a stand-in `python3` that records its arguments and writes what train.py writes (an export, a log).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FAKE_PYTHON = `#!/usr/bin/env bash
# python3 train.py ARGS: print the arguments, write out/sana-shapes.tar and out/train.log; --fail exits 1 first.
shift
all="$*"
out=
while [ $# -gt 0 ]; do
  [ "$1" = --fail ] && { echo "args $all"; exit 1; }
  [ "$1" = --out ] && out=$2
  shift
done
echo "args $all"
d=$(mktemp -d) && mkdir "$d/sana-shapes" && echo weights >"$d/sana-shapes/model.safetensors"
tar -cf "$out/sana-shapes.tar" -C "$d" sana-shapes && echo log >"$out/train.log"
`;

function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'device-bg-'));
  mkdirSync(join(dir, 'training'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'out'));
  copyFileSync(new URL('./device-bg.sh', import.meta.url), join(dir, 'training', 'device-bg.sh'));
  writeFileSync(join(dir, 'bin', 'python3'), FAKE_PYTHON);
  chmodSync(join(dir, 'bin', 'python3'), 0o755);
  const env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, OUT: join(dir, 'out'), SANA_TRAIN_ROOT: join(dir, 'runs') };
  const sh = (...args: string[]) => execFileSync('bash', ['training/device-bg.sh', ...args], { cwd: dir, env, encoding: 'utf8' });
  const tarList = (name: string) => execFileSync('tar', ['-tf', join(dir, 'out', `${name}.tar`)], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
  return { dir, sh, tarList, runs: join(dir, 'runs') };
}

describe('training/device-bg.sh', () => {
  it('start --then chains a continuation from the first run\'s export; collect packs one tar per run', () => {
    const { dir, sh, tarList, runs } = sandbox();
    expect(sh('start', 'C', '0', '--data', 'd.jsonl.gz', '--dit-lr', '3e-4', '--then', '--limit', '5')).toContain('then a continuation');
    expect(sh('start', 'E', '1', '--y', '2')).not.toContain('continuation');
    const report = sh('collect', '30');
    expect(report).toContain('== C: finished');
    expect(report).toContain('== E: finished');
    // the first run gets exactly its own arguments; the second starts from the first one's export
    expect(readFileSync(join(runs, 'C', 'stdout.log'), 'utf8')).toBe(`args --out ${runs}/C --data d.jsonl.gz --dit-lr 3e-4\n`);
    expect(readFileSync(join(runs, 'C', 'cont', 'stdout.log'), 'utf8'))
      .toBe(`args --out ${runs}/C/cont --init-from ${runs}/C/init/sana-shapes --limit 5\n`);
    expect(existsSync(join(runs, 'C', 'init', 'sana-shapes', 'model.safetensors'))).toBe(true);
    // a tar per stage: each export is 9 MiB and a file coming back from the device is at most 16 MiB
    expect(tarList('C')).toEqual(['sana-shapes.tar', 'stdout.log', 'train.log']);
    expect(tarList('C-cont')).toEqual(['sana-shapes.tar', 'stdout.log', 'train.log']);
    expect(tarList('E')).toEqual(['sana-shapes.tar', 'stdout.log', 'train.log']);
    expect(readFileSync(join(runs, 'E', 'stdout.log'), 'utf8')).toBe(`args --out ${runs}/E --y 2\n`);
    expect(existsSync(join(runs, 'E', 'cont'))).toBe(false);
    expect(existsSync(join(dir, 'out', 'E-cont.tar'))).toBe(false);
  });

  it('a first run that fails starts no continuation', () => {
    const { sh, tarList, runs } = sandbox();
    sh('start', 'F', '0', '--fail', '--then', '--limit', '5');
    expect(sh('collect', '30')).toContain('== F: finished');
    expect(existsSync(join(runs, 'F', 'cont'))).toBe(false);
    expect(tarList('F')).toEqual(['stdout.log']);
  });
});
