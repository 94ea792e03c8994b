// Complex human instruction (CHI, Sana §2.3): the instruction prefixed to every prompt, and the token layout it implies.
import { ArgumentError } from '@sana/core';

/** The official CHI lines (diffusers `SanaPipeline.__call__` default), joined with "\n" before the prompt. */
export const COMPLEX_HUMAN_INSTRUCTION: readonly string[] = Object.freeze([
  "Given a user prompt, generate an 'Enhanced prompt' that provides detailed visual descriptions suitable for image generation. Evaluate the level of detail in the user prompt:",
  '- If the prompt is simple, focus on adding specifics about colors, shapes, sizes, textures, and spatial relationships to create vivid and concrete scenes.',
  '- If the prompt is already detailed, refine and enhance the existing details slightly without overcomplicating.',
  'Here are examples of how to transform or refine prompts:',
  '- User Prompt: A cat sleeping -> Enhanced: A small, fluffy white cat curled up in a round shape, sleeping peacefully on a warm sunny windowsill, surrounded by pots of blooming red flowers.',
  '- User Prompt: A busy city street -> Enhanced: A bustling city street scene at dusk, featuring glowing street lamps, a diverse crowd of people in colorful clothing, and a double-decker bus passing by towering glass skyscrapers.',
  'Please generate only the enhanced description for the prompt below and avoid including any additional commentary or evaluations:',
  'User Prompt: ',
]);

/** The official pipeline's `max_sequence_length`: tokens of text features handed to the DiT. */
export const DEFAULT_MAX_SEQUENCE_LENGTH = 300;

/** How a batch of prompts is tokenized and which encoder positions are kept. */
export interface PromptLayout {
  /** Token length every row is padded / truncated to (`chi_tokens + max_sequence_length - 2` with CHI). */
  readonly totalLength: number;
  /** Encoder positions kept, in order: the first token, then the last `max_sequence_length - 1`. */
  readonly selectIndex: readonly number[];
}

/**
 * The diffusers `encode_prompt` layout: with CHI the rows are `chi_tokens + max_sequence_length - 2` long
 * (`chi_tokens` counts <bos>) and positions `[0, -(max_sequence_length - 1), ..., -1]` are kept; without CHI
 * the rows are `max_sequence_length` long and kept whole.
 * @example promptLayout(364, 300).totalLength; // 662
 */
export function promptLayout(chiTokens: number | null, maxSequenceLength: number): PromptLayout {
  if (!Number.isInteger(maxSequenceLength) || maxSequenceLength < 1) {
    throw new ArgumentError('maxSequenceLength', `must be a positive integer, got ${maxSequenceLength}`);
  }
  const totalLength = chiTokens === null ? maxSequenceLength : chiTokens + maxSequenceLength - 2;
  if (totalLength < maxSequenceLength) throw new ArgumentError('chi', `gives ${chiTokens} tokens; with CHI there must be at least 2 (<bos> and one more)`);
  const selectIndex = [0];
  for (let i = totalLength - maxSequenceLength + 1; i < totalLength; i++) selectIndex.push(i);
  return { totalLength, selectIndex };
}
