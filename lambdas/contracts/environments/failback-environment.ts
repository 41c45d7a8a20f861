import type * as z from 'zod/mini';
import { commonEnvironmentSchema } from './common-environment';

/** The failback function's environment: the common variables. */
export const failbackEnvironmentSchema = commonEnvironmentSchema;
export type FailbackEnvironment = z.input<typeof failbackEnvironmentSchema>;
