import type * as z from 'zod/mini';
import { commonEnvironmentSchema } from './common-environment';

/** The orchestrator's environment: the common variables (it re-invokes itself by its own name). */
export const orchestratorEnvironmentSchema = commonEnvironmentSchema;
export type OrchestratorEnvironment = z.input<typeof orchestratorEnvironmentSchema>;
