/**
 * Every benchmark group, in the order `npm run bench` runs them and BENCHMARKS.md lists them.
 * Adding a group: a file in bench/groups exporting a BenchGroup, and one line here.
 */

import { detectionGroup } from './groups/detection';
import { failoverGroup } from './groups/failover';
import { forwardingGroup } from './groups/forwarding';
import { lambdasGroup } from './groups/lambdas';
import { probeDetectionGroup } from './groups/probe-detection';
import { scaleGroup } from './groups/scale';
import { synthGroup } from './groups/synth';
import type { BenchGroup } from './support/bench-group';

/** The registered groups. */
export const BENCH_GROUPS: readonly BenchGroup[] = [
  forwardingGroup,
  failoverGroup,
  scaleGroup,
  probeDetectionGroup,
  detectionGroup,
  lambdasGroup,
  synthGroup,
];
