// Every parity group, in dependency order. Component issues add theirs here.
import type { ParityGroup } from '@sana/core';
import { randnParity } from '../packages/core/src/parity-randn.js';
import { tokenizerParity, textEncoderParity, promptParity } from '../packages/text-encoder/src/parity.js';
import { ditParity } from '../packages/linear-dit/src/parity.js';
import { dcAeParity } from '../packages/dc-ae/src/parity.js';
import { samplersParity } from '../packages/flow-dpm-solver/src/parity.js';
import { pipelineParity, sprintParity } from '../packages/pipeline/src/parity.js';
import { int8Parity } from '../packages/quant-int8/src/parity.js';

export const parityGroups: ParityGroup[] = [randnParity, tokenizerParity, textEncoderParity, promptParity, samplersParity, ditParity, dcAeParity, pipelineParity, sprintParity, int8Parity];
