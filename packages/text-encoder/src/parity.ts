// Parity groups `tokenizer`, `text-encoder` and `prompt`: this package against the reference fixtures (any fixture folder).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { float16ToFloat32, int64, openSafetensors, type Fixture, type ParityGroup, type ParityReport, type Tensor } from '@sana/core';
import { loadTextEncoder, loadTokenizer } from './node.js';

/**
 * transformers 5.17 recomputed on the fixture's own text-encoder weights (fixtures/extra/README.md): checked
 * when it sits beside the fixture folder, because the vendored fixture's `te.*` keys were not made from them.
 */
const RECOMPUTED = '../extra/te.transformers-5.17.safetensors';

/** Fixture tensors are stored as float32; token ids and masks go back to int64 here. */
async function ids(fx: Fixture, key: string): Promise<Tensor<'int64'>> {
  const data = await fx.tensors.getFloat32(key);
  return int64(data, fx.tensors.info(key).shape);
}

const asNumbers = (t: Tensor) => Array.from(t.data as ArrayLike<number | bigint>, Number);

/** Runs `check`, recording an exception as a failed key instead of ending the group. */
async function guarded(report: ParityReport, key: string, check: () => Promise<void>) {
  try {
    await check();
  } catch (e) {
    report.fail(key, e);
  }
}

export const tokenizerParity: ParityGroup = {
  name: 'tokenizer',
  async run(fx, report) {
    const tok = await loadTokenizer(fx.path('sana/tokenizer'));
    const cases = fx.json.tokenizer as { prompts: string[]; ids: number[][]; chi_num_tokens: number };
    cases.prompts.forEach((p, i) => {
      report.compare(`ids ${JSON.stringify(p).slice(0, 30)}`, tok.encodeIds(p), cases.ids[i], 'exact', 0);
    });
    const chi = (fx.json.complex_human_instruction as string[]).join('\n');
    report.compare('chi_num_tokens', [tok.encodeIds(chi).length], [cases.chi_num_tokens], 'exact', 0);
    // The encoder fixture's inputs: the pipeline prompts right-padded to te_pad_to.short.
    const batch = tok.encode(fx.json.prompts as string[], { maxLength: fx.json.te_pad_to.short, padding: 'max_length', truncation: true });
    report.compare('te.input_ids', asNumbers(batch.inputIds), await fx.tensors.getFloat32('te.input_ids'), 'exact', 0);
    report.compare('te.attention_mask', asNumbers(batch.attentionMask), await fx.tensors.getFloat32('te.attention_mask'), 'exact', 0);
  },
};

export const textEncoderParity: ParityGroup = {
  name: 'text-encoder',
  async run(fx, report) {
    const te = await loadTextEncoder(fx.path('sana'), { session: { threads: 2 } });
    try {
      for (const k of ['te', 'te.long']) {
        await guarded(report, `${k}.last_hidden_state`, async () => {
          const out = await te.encode(await ids(fx, `${k}.input_ids`), await ids(fx, `${k}.attention_mask`));
          report.compare(`${k}.last_hidden_state`, out.data as Float32Array, await fx.tensors.getFloat32(`${k}.last_hidden_state`), 'relmax', 1e-4);
        });
      }
    } finally {
      await te.release();
    }
    const recomputed = join(fx.dir, RECOMPUTED);
    if (existsSync(recomputed)) {
      await guarded(report, 'te.last_hidden_state (transformers 5.17 on these weights)', async () => {
        const te32 = await loadTextEncoder(fx.path('sana'), { session: { threads: 2 } });
        try {
          const out = await te32.encode(await ids(fx, 'te.input_ids'), await ids(fx, 'te.attention_mask'));
          const ref = await (await openSafetensors(recomputed)).getFloat32('te.last_hidden_state');
          report.compare('te.last_hidden_state (transformers 5.17 on these weights)', out.data as Float32Array, ref, 'relmax', 1e-4);
        } finally {
          await te32.release();
        }
      });
    }
    // The fp16 graph (fp16 weights and products, fp32 norms / scores / residual) against the same reference.
    await guarded(report, 'te.last_hidden_state (fp16 graph)', async () => {
      const te16 = await loadTextEncoder(fx.path('sana'), { floatType: 'float16', session: { threads: 2 } });
      try {
        const out = await te16.encode(await ids(fx, 'te.input_ids'), await ids(fx, 'te.attention_mask'));
        const ref = existsSync(recomputed)
          ? await (await openSafetensors(recomputed)).getFloat32('te.last_hidden_state')
          : await fx.tensors.getFloat32('te.last_hidden_state');
        report.compare('te.last_hidden_state (fp16 graph)', float16ToFloat32(out.data as Uint16Array), ref, 'relmax', 1e-2);
      } finally {
        await te16.release();
      }
    });
  },
};

export const promptParity: ParityGroup = {
  name: 'prompt',
  async run(fx, report) {
    const te = await loadTextEncoder(fx.path('sana'), { session: { threads: 2 } });
    const ref = (k: string) => fx.tensors.getFloat32(k);
    try {
      await guarded(report, 'prompt (with CHI)', async () => {
        const r = await te.encodePrompt({
          prompts: fx.json.prompts,
          negativePrompt: fx.json.pipeline.negative_prompt,
          chi: fx.json.complex_human_instruction,
          maxSequenceLength: fx.json.max_sequence_length,
        });
        report.compare('prompt.embeds', r.embeds.data as Float32Array, await ref('prompt.embeds'), 'relmax', 1e-4);
        report.compare('prompt.mask', asNumbers(r.mask), await ref('prompt.mask'), 'exact', 0);
        report.compare('prompt.neg_embeds', r.negEmbeds!.data as Float32Array, await ref('prompt.neg_embeds'), 'relmax', 1e-4);
        report.compare('prompt.neg_mask', asNumbers(r.negMask!), await ref('prompt.neg_mask'), 'exact', 0);
      });
      await guarded(report, 'prompt (no CHI)', async () => {
        const r = await te.encodePrompt({ prompts: fx.json.prompts, chi: null, maxSequenceLength: fx.json.max_sequence_length, doCfg: false });
        report.compare('prompt.nochi.embeds', r.embeds.data as Float32Array, await ref('prompt.nochi.embeds'), 'relmax', 1e-4);
        report.compare('prompt.nochi.mask', asNumbers(r.mask), await ref('prompt.nochi.mask'), 'exact', 0);
      });
    } finally {
      await te.release();
    }
  },
};
