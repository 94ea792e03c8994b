// Every parity group, in dependency order. Component issues add theirs here.
import type { ParityGroup } from '@sana/core';
import { randnParity } from '../packages/core/src/parity-randn.js';

export const parityGroups: ParityGroup[] = [randnParity];
